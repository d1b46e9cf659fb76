package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/dbwarden/dbwarden/internal/testenv"
)

// step is one call of the differential sequence.
type step struct {
	name string
	call func(ctx context.Context, c *secretsmanager.Client) (any, error)
}

// mismatches lists the steps where moto_server and dbwarden answer
// differently, and why dbwarden follows AWS's documentation instead.
var mismatches = map[string]string{
	"validate a public resource policy":         "moto does not check resource policies (it passes every document)",
	"put a public resource policy":              "AWS blocks public policies by default (PublicPolicyException); moto stores them",
	"put a malformed resource policy":           "AWS refuses a malformed document; moto stores it",
	"batch get with neither ids nor filters":    "AWS asks for one of SecretIdList and Filters; moto answers with an empty list",
	"list with a bad filter value":              "AWS checks filter values against its pattern; moto accepts any",
	"create with a bad name":                    "AWS takes names of letters, digits and /_+=.@- only; moto accepts a space",
	"create with both string and binary":        "AWS refuses SecretString and SecretBinary together; moto accepts them",
	"describe":                                  "AWS reports LastAccessedDate once a secret was read; moto never does",
	"describe a deleted secret":                 "as above: moto has no LastAccessedDate",
	"list versions":                             "AWS returns NextToken only when there is another page; moto always returns one",
	"list versions with deprecated ones":        "as above: moto's NextToken",
	"random password with every class excluded": "AWS answers InvalidParameterException; moto fails with an HTML error page (HTTP 500)",
	"create over a deleted secret":              "AWS answers InvalidRequestException (the name is scheduled for deletion); moto answers ResourceExistsException",
}

func str(s string) *string { return aws.String(s) }

var diffSteps = []step{
	{"create with a value", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: str("diff/db"), SecretString: str("v1"), Description: str("d"),
			Tags: []smtypes.Tag{{Key: str("env"), Value: str("test")}}})
	}},
	{"create the same name again", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: str("diff/db"), SecretString: str("v1")})
	}},
	{"create without a value", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: str("diff/empty")})
	}},
	{"create a binary secret", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: str("diff/bin"), SecretBinary: []byte{0, 1, 2}})
	}},
	{"create with a bad name", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: str("bad name"), SecretString: str("x")})
	}},
	{"create with both string and binary", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: str("diff/both"), SecretString: str("x"), SecretBinary: []byte("y")})
	}},
	{"read the current value", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: str("diff/db")})
	}},
	{"read a binary value", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: str("diff/bin")})
	}},
	{"read a missing secret", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: str("diff/missing")})
	}},
	{"read a secret without value", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: str("diff/empty")})
	}},
	{"read a missing stage", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: str("diff/db"), VersionStage: str("AWSPENDING")})
	}},
	{"put a new current value", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: str("diff/db"), SecretString: str("v2"), ClientRequestToken: str("00000000-0000-0000-0000-000000000002")})
	}},
	{"put with a used token and the same value", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: str("diff/db"), SecretString: str("v2"), ClientRequestToken: str("00000000-0000-0000-0000-000000000002")})
	}},
	{"put with a used token and another value", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: str("diff/db"), SecretString: str("v3"), ClientRequestToken: str("00000000-0000-0000-0000-000000000002")})
	}},
	{"read the previous value", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: str("diff/db"), VersionStage: str("AWSPREVIOUS")})
	}},
	{"put a pending value", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: str("diff/db"), SecretString: str("v4"), ClientRequestToken: str("00000000-0000-0000-0000-000000000004"), VersionStages: []string{"AWSPENDING"}})
	}},
	{"read the pending value", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: str("diff/db"), VersionStage: str("AWSPENDING")})
	}},
	{"move AWSCURRENT without RemoveFromVersionId", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: str("diff/db"), VersionStage: str("AWSCURRENT"), MoveToVersionId: str("00000000-0000-0000-0000-000000000004")})
	}},
	{"move AWSCURRENT to the pending version", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: str("diff/db"), VersionStage: str("AWSCURRENT"),
			MoveToVersionId: str("00000000-0000-0000-0000-000000000004"), RemoveFromVersionId: str("00000000-0000-0000-0000-000000000002")})
	}},
	{"read by version id", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: str("diff/db"), VersionId: str("00000000-0000-0000-0000-000000000002")})
	}},
	{"describe", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: str("diff/db")})
	}},
	{"describe a missing secret", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: str("diff/missing")})
	}},
	{"update the description", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: str("diff/db"), Description: str("new")})
	}},
	{"update the value", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: str("diff/db"), SecretString: str("v5")})
	}},
	{"list", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	}},
	{"list by name prefix", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{Filters: []smtypes.Filter{{Key: smtypes.FilterNameStringTypeName, Values: []string{"diff/b"}}}})
	}},
	{"list with a bad filter value", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{Filters: []smtypes.Filter{{Key: smtypes.FilterNameStringTypeName, Values: []string{"a;b"}}}})
	}},
	{"list a page of one", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(1)})
	}},
	{"list versions", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: str("diff/db")})
	}},
	{"list versions with deprecated ones", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: str("diff/db"), IncludeDeprecated: aws.Bool(true)})
	}},
	{"tag", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: str("diff/db"), Tags: []smtypes.Tag{{Key: str("team"), Value: str("db")}}})
	}},
	{"untag", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.UntagResource(ctx, &secretsmanager.UntagResourceInput{SecretId: str("diff/db"), TagKeys: []string{"env"}})
	}},
	{"random password", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(20)})
	}},
	{"random password with every class excluded", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{ExcludeLowercase: aws.Bool(true), ExcludeUppercase: aws.Bool(true), ExcludeNumbers: aws.Bool(true), ExcludePunctuation: aws.Bool(true)})
	}},
	{"put a malformed resource policy", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: str("diff/db"), ResourcePolicy: str(`{"Statement":`)})
	}},
	{"put a public resource policy", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: str("diff/db"), ResourcePolicy: str(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)})
	}},
	{"put a resource policy", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: str("diff/db"), ResourcePolicy: str(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)})
	}},
	{"get the resource policy", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: str("diff/db")})
	}},
	{"validate a public resource policy", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.ValidateResourcePolicy(ctx, &secretsmanager.ValidateResourcePolicyInput{ResourcePolicy: str(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)})
	}},
	{"delete the resource policy", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.DeleteResourcePolicy(ctx, &secretsmanager.DeleteResourcePolicyInput{SecretId: str("diff/db")})
	}},
	{"batch get", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"diff/db", "diff/bin"}})
	}},
	{"batch get with neither ids nor filters", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{})
	}},
	{"put AWSPENDING on a secret without value", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: str("diff/empty"), SecretString: str("first"), VersionStages: []string{"AWSPENDING"}})
	}},
	{"read the first version by stage", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: str("diff/empty")})
	}},
	{"delete with a window of 31 days", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: str("diff/bin"), RecoveryWindowInDays: aws.Int64(31)})
	}},
	{"delete with a window and force", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: str("diff/bin"), RecoveryWindowInDays: aws.Int64(7), ForceDeleteWithoutRecovery: aws.Bool(true)})
	}},
	{"restore a secret that is not deleted", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: str("diff/db")})
	}},
	{"delete with the default window", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: str("diff/db")})
	}},
	{"read a deleted secret", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: str("diff/db")})
	}},
	{"describe a deleted secret", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: str("diff/db")})
	}},
	{"create over a deleted secret", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: str("diff/db"), SecretString: str("again")})
	}},
	{"restore a deleted secret", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: str("diff/db")})
	}},
	{"force delete", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: str("diff/db"), ForceDeleteWithoutRecovery: aws.Bool(true)})
	}},
	{"describe a force-deleted secret", func(ctx context.Context, c *secretsmanager.Client) (any, error) {
		return c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: str("diff/db")})
	}},
}

// outcome is what a step is compared by: the error code, or the set of
// fields the response carries.
func outcome(out any, err error) string {
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return "error " + ae.ErrorCode()
		}
		return "error " + err.Error()
	}
	b, _ := json.Marshal(out)
	var m map[string]any
	json.Unmarshal(b, &m)
	var keys []string
	for k, v := range m {
		if k == "ResultMetadata" || v == nil {
			continue
		}
		if l, ok := v.([]any); ok && len(l) == 0 {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "ok " + strings.Join(keys, ",")
}

// TestDifferentialAgainstMoto runs the same calls against moto_server and
// dbwarden and compares what comes back.
func TestDifferentialAgainstMoto(t *testing.T) {
	endpoint := testenv.Moto(t)
	moto := secretsmanager.New(secretsmanager.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	})
	f := newFixture(t)
	ctx := context.Background()
	if len(diffSteps) < 40 {
		t.Fatalf("the sequence has %d calls, want at least 40", len(diffSteps))
	}
	for _, s := range diffSteps {
		got := outcome(s.call(ctx, f.client))
		want := outcome(s.call(ctx, moto))
		if why, known := mismatches[s.name]; known {
			if got == want {
				t.Errorf("%s: listed as a difference (%s) but both answer %q: take it off the list", s.name, why, got)
			}
			continue
		}
		if got != want {
			t.Errorf("%s: dbwarden %q, moto %q", s.name, got, want)
		}
	}
}
