package rotation_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/dbwarden/dbwarden/internal/rotation"
	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
	"github.com/dbwarden/dbwarden/internal/store/awsstore"
	"github.com/dbwarden/dbwarden/internal/testenv"
)

// The Lambda handler on the AWS store (Secrets Manager served by moto):
// each strategy rotated by the four events Secrets Manager would send, and
// the rotated credentials log in.
func TestLambdaHandler(t *testing.T) {
	for _, st := range strategies {
		t.Run(st.name, func(t *testing.T) {
			f := newFixture(t)
			local := f.newSecret(t) // users and values, made on the embedded store
			ctx := context.Background()
			cfg := testenv.MotoConfig(t)
			sm := secretsmanager.NewFromConfig(cfg)
			sms := awsstore.New(cfg)

			// Copy the master and the application secret to Secrets Manager.
			_, cur := value(t, f.store, local, secret.StageCurrent)
			c := credentialsOf(t, cur)
			_, master := value(t, f.store, c.MasterARN, secret.StageCurrent)
			m, err := sms.CreateSecret(ctx, &store.CreateSecretInput{Name: "lambda/master", SecretString: &master})
			if err != nil {
				t.Fatal(err)
			}
			appValue := strings.Replace(cur, c.MasterARN, m.ARN, 1)
			app, err := sms.CreateSecret(ctx, &store.CreateSecretInput{Name: "lambda/app", SecretString: &appValue})
			if err != nil {
				t.Fatal(err)
			}
			// Turn rotation on, as a user deploying the function would.
			// (moto refuses a RotationLambdaARN of a function it does not
			// host, and runs no function: the test sends the events.)
			if _, err := sm.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: &app.ARN,
				RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(4)}, RotateImmediately: aws.Bool(false)}); err != nil {
				t.Fatalf("turn rotation on: %v", err)
			}
			e := &rotation.Engine{Store: sms, Rotator: rotatorFor(st.name)}
			token := secret.NewVersionID()
			for _, step := range []string{rotation.StepCreate, rotation.StepSet, rotation.StepTest, rotation.StepFinish} {
				ev := rotation.Event{SecretId: app.ARN, ClientRequestToken: token, Step: step}
				if err := e.HandleEvent(ctx, ev); err != nil {
					t.Fatalf("%s: %v", step, err)
				}
				// Secrets Manager retries an event whose function timed out:
				// the same event again changes nothing.
				if err := e.HandleEvent(ctx, ev); err != nil {
					t.Fatalf("%s repeated: %v", step, err)
				}
			}
			d, err := sms.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: app.ARN})
			if err != nil {
				t.Fatal(err)
			}
			if stages := d.VersionIdsToStages[token]; len(stages) != 1 || stages[0] != secret.StageCurrent {
				t.Fatalf("the rotation's version has labels %v, want exactly AWSCURRENT", stages)
			}
			// Asked by version: moto may answer a GetSecretValue without
			// VersionId with the version that was AWSCURRENT before.
			out, err := sms.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: app.ARN, VersionId: token})
			if err != nil {
				t.Fatal(err)
			}
			if err := login(*out.SecretString); err != nil {
				t.Fatalf("the rotated credentials do not log in: %v", err)
			}
			if err := e.HandleEvent(ctx, rotation.Event{SecretId: app.ARN, ClientRequestToken: "no-such-version-0000000000000000000", Step: rotation.StepSet}); err == nil {
				t.Fatal("an event for a version that is not being rotated succeeded")
			}
		})
	}
}
