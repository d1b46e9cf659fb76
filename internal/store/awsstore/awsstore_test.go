package awsstore_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
	"github.com/dbwarden/dbwarden/internal/store/awsstore"
	"github.com/dbwarden/dbwarden/internal/store/storetest"
	"github.com/dbwarden/dbwarden/internal/testenv"
)

// motoDivergences lists, by case name, the conformance cases that
// moto_server answers differently from AWS Secrets Manager, with the
// divergence. The suite's assertions are AWS's: these cases are skipped
// against moto, never weakened. Each reason names the first assertion moto
// fails and any later one it would fail too.
var motoDivergences = map[string]string{
	"names are 1 to 512 letters digits and /_+=.@-": "moto accepts every name, including the empty one, 513 characters, spaces, ;'*: and non-ASCII letters",
	"a value is 1 to 65536 bytes and not both string and binary": "moto accepts string and binary values over 65536 bytes and a request with both SecretString and SecretBinary, " +
		"and answers PutSecretValue without a value with InvalidRequestException",
	"description and tags are validated": "moto accepts a 2049-character description, 51 tags and a tag key starting with aws:",
	"putting a value moves AWSCURRENT and AWSPREVIOUS follows": "moto's DescribeSecret keeps a version that lost every label in VersionIdsToStages, with an empty list; " +
		"AWS lists only versions that carry a label",
	"reads select a version by id, by stage or both": "moto answers a VersionId and a VersionStage that name different versions with InvalidRequestException " +
		"where the suite expects InvalidParameterException (AWS's reference does not say which; LocalStack agrees with moto, so the suite's expectation wants checking on AWS)",
	"moving AWSCURRENT needs RemoveFromVersionId and moves AWSPREVIOUS": "after UpdateSecretVersionStage moves AWSCURRENT, moto's GetSecretValue without VersionStage still returns the old value; " +
		"moto also answers an unknown MoveToVersionId with InvalidParameterException, not ResourceNotFoundException",
	"AWSCURRENT can't be removed without moving it": "moto removes AWSCURRENT from the only version that holds it, leaving no current version, " +
		"and fails with HTTP 500 when UpdateSecretVersionStage names no version at all",
	"custom labels attach, move and detach": "moto attaches a label that another version holds without RemoveFromVersionId, " +
		"so the label ends up on two versions (and twice on one after a move)",
	"a version holds at most 20 labels": "moto puts no limit on the staging labels of a version",
	"versions that lose every label are deprecated and only the newest 100 kept": "moto keeps every deprecated version instead of the newest 100, " +
		"and its ListSecretVersionIds lists deprecated versions without IncludeDeprecated",
	"a secret scheduled for deletion can't be read and keeps its name": "moto lets PutSecretValue add a version to a secret scheduled for deletion, " +
		"and answers CreateSecret on its name with ResourceExistsException, not InvalidRequestException",
	"UpdateSecret changes metadata and puts a new current version": "moto accepts a 2049-character description in UpdateSecret",
	"tags are added, replaced and removed":                         "moto puts no 50-tag limit on TagResource",
	"ListSecrets filters by name, description, tags and all, with negation": "moto's description filter matches whole words split at case changes (MySQL is my+sql), " +
		"not the case-insensitive prefix AWS documents, so mysql misses \"MySQL root password\"",
	"ListSecrets pages with MaxResults and NextToken and sorts": "moto ignores SortOrder, fails with HTTP 500 on a malformed NextToken, " +
		"and accepts MaxResults 101 and SortOrder sideways",
	"ListSecretVersionIds lists newest first and pages": "moto's ListSecretVersionIds ignores MaxResults and never pages, lists oldest first, " +
		"and includes deprecated versions",
	"a resource policy is put, read back and deleted": "moto accepts an empty resource policy, and a policy on a secret scheduled for deletion",
	"RotateSecret stores the rotation configuration and CancelRotateSecret turns it off": "moto accepts RotateSecret with no rotation function, " +
		"and answers a rotator that is not a Lambda function with ResourceNotFoundException after storing the configuration " +
		"(AWS too needs a Lambda ARN, and dbwarden:mysql-single-user is none)",
}

// resetMoto clears every resource of the moto_server at endpoint.
func resetMoto(t *testing.T, endpoint string) {
	t.Helper()
	resp, err := http.Post(endpoint+"/moto-api/reset", "application/json", nil)
	if err != nil {
		t.Fatalf("reset moto: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reset moto: got HTTP %d, want 200", resp.StatusCode)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	endpoint := testenv.Moto(t)
	cfg := testenv.ConfigFor(endpoint)
	parent := t.Name() + "/"
	reasons := map[string]string{}
	for name, why := range motoDivergences {
		reasons[strings.ReplaceAll(name, " ", "_")] = why
	}
	seen := map[string]bool{}
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock) store.Store {
		name := strings.TrimPrefix(t.Name(), parent)
		seen[name] = true
		if why, ok := reasons[name]; ok {
			t.Skip("moto diverges from AWS: " + why)
		}
		// Secrets Manager dates every change with its own clock, so the
		// cases that move time skip, and the others check no exact date.
		clock.Controllable = false
		resetMoto(t, endpoint)
		return awsstore.New(cfg)
	})
	// A renamed case must not leave a stale entry that skips nothing.
	for name := range reasons {
		if !seen[name] {
			t.Errorf("motoDivergences names %q, which is not a conformance case", name)
		}
	}
}

func str(s string) *string { return &s }

// newStore returns a Store on a fresh moto_server and a plain SDK client
// on the same server, to look at what the Store did from outside.
func newStore(t *testing.T) (*awsstore.Store, *sm.Client) {
	t.Helper()
	cfg := testenv.MotoConfig(t)
	return awsstore.New(cfg), sm.NewFromConfig(cfg)
}

func TestTranslation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, raw := newStore(t)
	const value = "translation-test-value-0f8c2e"
	c, err := s.CreateSecret(ctx, &store.CreateSecretInput{
		Name: "prod/app/db", SecretString: str(value), Description: "app database",
		Tags: []secret.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "db"}},
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("what the store writes, the SDK reads", func(t *testing.T) {
		g, err := raw.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("prod/app/db")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(g.SecretString) != value {
			t.Fatal("SecretString read with the SDK differs from the one stored")
		}
		if aws.ToString(g.ARN) != c.ARN || aws.ToString(g.VersionId) != c.VersionId {
			t.Fatalf("SDK read: got ARN %q version %q, want %q %q", aws.ToString(g.ARN), aws.ToString(g.VersionId), c.ARN, c.VersionId)
		}
		d, err := raw.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(c.ARN)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(d.Description) != "app database" || len(d.Tags) != 2 {
			t.Fatalf("SDK describe: got description %q and %d tags, want %q and 2", aws.ToString(d.Description), len(d.Tags), "app database")
		}
	})

	t.Run("what the SDK writes, the store reads", func(t *testing.T) {
		bin := []byte{0, 0xff, 'x', '\n'}
		tok := strings.Repeat("7", 32)
		if _, err := raw.PutSecretValue(ctx, &sm.PutSecretValueInput{
			SecretId: aws.String(c.ARN), SecretBinary: bin, ClientRequestToken: aws.String(tok),
			VersionStages: []string{secret.StagePending, "blue"},
		}); err != nil {
			t.Fatal(err)
		}
		g, err := s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "prod/app/db", VersionStage: "blue"})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(g.SecretBinary, bin) || g.SecretString != nil {
			t.Fatalf("binary value read through the store: mismatch (got %d bytes, string set %v)", len(g.SecretBinary), g.SecretString != nil)
		}
		got := slices.Sorted(slices.Values(g.VersionStages))
		if g.VersionId != tok || !slices.Equal(got, []string{secret.StagePending, "blue"}) {
			t.Fatalf("got version %q stages %v, want %q [AWSPENDING blue]", g.VersionId, got, tok)
		}
		if g.CreatedDate.IsZero() || g.CreatedDate.Location() != time.UTC {
			t.Fatalf("CreatedDate: got %v, want a UTC date", g.CreatedDate)
		}
		d, err := s.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: c.ARN})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(d.Tags, secret.Tag{Key: "team", Value: "db"}) || d.Description != "app database" || len(d.VersionIdsToStages[tok]) != 2 {
			t.Fatalf("describe through the store: got tags %v description %q stages %v", d.Tags, d.Description, d.VersionIdsToStages)
		}
	})

	t.Run("recovery windows count on Secrets Manager's clock", func(t *testing.T) {
		for _, n := range []string{"w30", "w7"} {
			if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: n, SecretString: str("v")}); err != nil {
				t.Fatal(err)
			}
		}
		d30, err := s.DeleteSecret(ctx, &store.DeleteSecretInput{SecretId: "w30"})
		if err != nil {
			t.Fatal(err)
		}
		d7, err := s.DeleteSecret(ctx, &store.DeleteSecretInput{SecretId: "w7", RecoveryWindowInDays: 7})
		if err != nil {
			t.Fatal(err)
		}
		// Both dates come from the server's clock a moment apart: the
		// default window is 30 days, so they are 23 days apart.
		if gap := d30.DeletionDate.Sub(d7.DeletionDate); gap < 23*24*time.Hour-time.Minute || gap > 23*24*time.Hour+time.Minute {
			t.Fatalf("deletion dates %v and %v are %v apart, want 23 days", d30.DeletionDate, d7.DeletionDate, gap)
		}
	})

	t.Run("MaxResults beyond the API's 32 bits is refused before any call", func(t *testing.T) {
		_, err := s.ListSecrets(ctx, &store.ListSecretsInput{MaxResults: 1 << 40})
		if secret.Code(err) != secret.CodeInvalidParameter || !strings.Contains(err.Error(), "MaxResults") {
			t.Fatalf("got %v, want InvalidParameterException naming MaxResults", err)
		}
	})
}

func TestAuthorizer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, raw := newStore(t)
	const policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"secretsmanager:DeleteSecret","Resource":"*"}]}`
	c, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "app/db", SecretString: str("first-value"), Tags: []secret.Tag{{Key: "env", Value: "prod"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutResourcePolicy(ctx, &store.PutResourcePolicyInput{SecretId: c.ARN, ResourcePolicy: policy}); err != nil {
		t.Fatal(err)
	}

	t.Run("it is asked with the secret's ARN, name, tags and resource policy", func(t *testing.T) {
		var got []store.SecretFacts
		actx := store.WithAuthorizer(ctx, func(f store.SecretFacts) error { got = append(got, f); return nil })
		if _, err := s.GetSecretValue(actx, &store.GetSecretValueInput{SecretId: "app/db"}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("the Authorizer was asked %d times, want once", len(got))
		}
		f := got[0]
		if f.ARN != c.ARN || f.Name != "app/db" || f.Tags["env"] != "prod" || len(f.Tags) != 1 || f.ResourcePolicy != policy {
			t.Fatalf("facts: got %+v, want ARN %q, name app/db, tags env=prod and the policy", f, c.ARN)
		}
	})

	t.Run("its refusal is the answer and changes nothing", func(t *testing.T) {
		deny := store.WithAuthorizer(ctx, func(store.SecretFacts) error {
			return secret.Errorf(secret.CodeAccessDenied, "not allowed here")
		})
		_, err := s.PutSecretValue(deny, &store.PutSecretValueInput{SecretId: "app/db", SecretString: str("second-value")})
		if secret.Code(err) != secret.CodeAccessDenied {
			t.Fatalf("got %v, want AccessDeniedException", err)
		}
		d, err := s.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: "app/db"})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.VersionIdsToStages) != 1 {
			t.Fatalf("a refused PutSecretValue made a version: %v", d.VersionIdsToStages)
		}
		if _, err := s.DescribeSecret(deny, &store.DescribeSecretInput{SecretId: "app/db"}); secret.Code(err) != secret.CodeAccessDenied {
			t.Fatalf("DescribeSecret: got %v, want AccessDeniedException", err)
		}
	})

	t.Run("it is not asked about a secret that does not exist", func(t *testing.T) {
		asked := false
		actx := store.WithAuthorizer(ctx, func(store.SecretFacts) error { asked = true; return nil })
		_, err := s.GetSecretValue(actx, &store.GetSecretValueInput{SecretId: "app/missing"})
		if secret.Code(err) != secret.CodeResourceNotFound || asked {
			t.Fatalf("got %v (asked %v), want ResourceNotFoundException without asking", err, asked)
		}
	})

	t.Run("the secret decided on is the secret acted on", func(t *testing.T) {
		if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "swap", SecretString: str("old-secret")}); err != nil {
			t.Fatal(err)
		}
		// While the Authorizer decides on swap, someone replaces it with a
		// new secret of the same name, which the decision did not cover.
		actx := store.WithAuthorizer(ctx, func(store.SecretFacts) error {
			if _, err := raw.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("swap"), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
				return err
			}
			_, err := raw.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("swap"), SecretString: aws.String("new-secret")})
			return err
		})
		g, err := s.GetSecretValue(actx, &store.GetSecretValueInput{SecretId: "swap"})
		if err == nil {
			t.Fatalf("got the value of %s, a secret the Authorizer never saw; want ResourceNotFoundException", g.ARN)
		}
		if secret.Code(err) != secret.CodeResourceNotFound {
			t.Fatalf("got %v, want ResourceNotFoundException", err)
		}
	})
}

func TestPurgeIsNotSupported(t *testing.T) {
	s := awsstore.New(aws.Config{Region: testenv.MotoRegion})
	got, err := s.Purge(context.Background(), time.Now())
	if got != nil || secret.Code(err) != secret.CodeInvalidRequest || !errors.Is(err, awsstore.ErrNotSupported) {
		t.Fatalf("got %v, %v; want nothing and an InvalidRequestException wrapping ErrNotSupported", got, err)
	}
	if !strings.Contains(err.Error(), "not supported by the AWS backend") {
		t.Fatalf("error %q does not say the AWS backend lacks Purge", err)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)
	const value = "errors-test-value-7d1b94"
	if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "e", SecretString: str(value), ClientRequestToken: strings.Repeat("1", 32)}); err != nil {
		t.Fatal(err)
	}

	t.Run("failures carry Secrets Manager's codes and never the value", func(t *testing.T) {
		const other = "errors-test-other-value-55e0a3"
		calls := []struct {
			name string
			err  error
			code string
		}{
			{"CreateSecret on a taken name", second(s.CreateSecret(ctx, &store.CreateSecretInput{Name: "e", SecretString: str(value)})), secret.CodeResourceExists},
			{"PutSecretValue reusing a token with another value", second(s.PutSecretValue(ctx, &store.PutSecretValueInput{SecretId: "e", SecretString: str(other), ClientRequestToken: strings.Repeat("1", 32)})), secret.CodeResourceExists},
			{"PutSecretValue with a short token", second(s.PutSecretValue(ctx, &store.PutSecretValueInput{SecretId: "e", SecretString: str(other), ClientRequestToken: "short"})), secret.CodeInvalidParameter},
			{"UpdateSecret of a missing secret", second(s.UpdateSecret(ctx, &store.UpdateSecretInput{SecretId: "missing", SecretString: str(other)})), secret.CodeResourceNotFound},
			{"DeleteSecret with a 3-day window", second(s.DeleteSecret(ctx, &store.DeleteSecretInput{SecretId: "e", RecoveryWindowInDays: 3})), secret.CodeInvalidParameter},
		}
		for _, c := range calls {
			if secret.Code(c.err) != c.code {
				t.Errorf("%s: got %v, want %s", c.name, c.err, c.code)
				continue
			}
			if msg := c.err.Error(); strings.Contains(msg, value) || strings.Contains(msg, other) {
				t.Errorf("%s: the error text holds a secret value", c.name)
			}
		}
	})

	t.Run("a cancelled context is an InternalServiceError that unwraps to the cause", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.GetSecretValue(cctx, &store.GetSecretValueInput{SecretId: "e"})
		if secret.Code(err) != secret.CodeInternalService || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "GetSecretValue") {
			t.Fatalf("got %v, want InternalServiceError naming GetSecretValue and wrapping context.Canceled", err)
		}
	})
}

func second[T any](_ T, err error) error { return err }

// BenchmarkGetSecretValue compares a read through the Store with the same
// read through the SDK alone, and with an Authorizer, which costs two more
// calls.
func BenchmarkGetSecretValue(b *testing.B) {
	ctx := context.Background()
	cfg := testenv.MotoConfig(b)
	s, raw := awsstore.New(cfg), sm.NewFromConfig(cfg)
	if _, err := s.CreateSecret(ctx, &store.CreateSecretInput{Name: "bench/db", SecretString: str("benchmark-value")}); err != nil {
		b.Fatal(err)
	}
	allow := store.WithAuthorizer(ctx, func(store.SecretFacts) error { return nil })
	b.Run("sdk", func(b *testing.B) {
		for b.Loop() {
			if _, err := raw.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("bench/db")}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "bench/db"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("store with authorizer", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.GetSecretValue(allow, &store.GetSecretValueInput{SecretId: "bench/db"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
