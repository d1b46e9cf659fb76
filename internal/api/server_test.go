package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/dbwarden/dbwarden/internal/api"
	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/authz"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
)

type fixture struct {
	store         *sqlitestore.Store
	url           string
	keyID, secret string
	client        *secretsmanager.Client
	reader        *secretsmanager.Client // a principal that is not an admin
	readerKey     string
	readerSecret  string
	// policies are the identity policies of principals, by name.
	policies map[string][]*authz.Policy
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	kp, err := filekeys.Open(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := sqlitestore.Open(ctx, sqlitestore.Options{Path: filepath.Join(dir, "dbwarden.db"), Keys: kp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &fixture{store: s, policies: map[string][]*authz.Policy{}}
	if _, err := s.CreatePrincipal(ctx, "admin", true); err != nil {
		t.Fatal(err)
	}
	if f.keyID, f.secret, err = s.CreateAccessKey(ctx, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreatePrincipal(ctx, "app", false); err != nil {
		t.Fatal(err)
	}
	if f.readerKey, f.readerSecret, err = s.CreateAccessKey(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{
		Store: s,
		Lookup: func(ctx context.Context, keyID string) (api.Identity, []byte, error) {
			p, key, err := s.LookupAccessKey(ctx, keyID)
			if errors.Is(err, sqlitestore.ErrNoSuchKey) {
				return api.Identity{}, nil, api.ErrNoSuchKey
			}
			if err != nil {
				return api.Identity{}, nil, err
			}
			return api.Identity{ARN: p.ARN, Admin: p.Admin, Policies: f.policies[p.Name], Tags: p.Tags}, key, nil
		},
		Record: s.RecordEvent,
		Region: "us-east-1",
		Gauges: s.Gauges,
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	f.client = f.newClient(f.keyID, f.secret, "us-east-1")
	f.reader = f.newClient(f.readerKey, f.readerSecret, "us-east-1")
	return f
}

func (f *fixture) newClient(keyID, secretKey, region string) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:           region,
		BaseEndpoint:     aws.String(f.url),
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, secretKey, ""),
		RetryMaxAttempts: 1,
	})
}

func wantAPIError(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want the API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code: got %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
}

func TestSDKClientEveryOperation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.client
	name := "staging/myapp/mysql/mysql-root-password"

	cr, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String("first-value"), Description: aws.String("root"),
		Tags: []smtypes.Tag{{Key: aws.String("env"), Value: aws.String("staging")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*cr.ARN, "arn:aws:secretsmanager:us-east-1:") || *cr.Name != name {
		t.Fatalf("create: got %s %s", *cr.ARN, *cr.Name)
	}
	g, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if *g.SecretString != "first-value" || g.CreatedDate == nil || time.Since(*g.CreatedDate) > time.Hour {
		t.Fatalf("get: value mismatch or created date %v", g.CreatedDate)
	}
	p, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: cr.ARN, SecretBinary: []byte{0, 1, 2, 255}})
	if err != nil {
		t.Fatal(err)
	}
	g2, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	if err != nil || !bytes.Equal(g2.SecretBinary, []byte{0, 1, 2, 255}) || g2.SecretString != nil {
		t.Fatalf("get binary: mismatch (%v)", err)
	}
	prev, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionStage: aws.String("AWSPREVIOUS")})
	if err != nil || *prev.VersionId != *cr.VersionId {
		t.Fatalf("get AWSPREVIOUS: got %v, want version %s", err, *cr.VersionId)
	}
	if _, err := c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String(name), Description: aws.String("root password")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(name), VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: cr.VersionId, RemoveFromVersionId: p.VersionId,
	}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Description != "root password" || len(d.VersionIdsToStages[*cr.VersionId]) != 1 || d.VersionIdsToStages[*cr.VersionId][0] != "AWSCURRENT" || d.LastChangedDate == nil {
		t.Fatalf("describe: got %+v", d.VersionIdsToStages)
	}
	l, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{Filters: []smtypes.Filter{{Key: smtypes.FilterNameStringTypeName, Values: []string{"staging/"}}}})
	if err != nil || len(l.SecretList) != 1 || *l.SecretList[0].Name != name {
		t.Fatalf("list: got %v %v", l, err)
	}
	v, err := c.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(name)})
	if err != nil || len(v.Versions) != 2 {
		t.Fatalf("list versions: got %v %v", v, err)
	}
	if _, err := c.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String(name), Tags: []smtypes.Tag{{Key: aws.String("team"), Value: aws.String("db")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &secretsmanager.UntagResourceInput{SecretId: aws.String(name), TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(name), RotationLambdaARN: aws.String("dbwarden:mysql-single-user"),
		RotationRules: &smtypes.RotationRulesType{ScheduleExpression: aws.String("rate(4 days)")}, RotateImmediately: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	rd, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if err != nil || !aws.ToBool(rd.RotationEnabled) || rd.NextRotationDate == nil || time.Until(*rd.NextRotationDate) < 3*24*time.Hour || *rd.RotationRules.ScheduleExpression != "rate(4 days)" {
		t.Fatalf("describe after RotateSecret: %+v %v", rd, err)
	}
	if _, err := c.CancelRotateSecret(ctx, &secretsmanager.CancelRotateSecretInput{SecretId: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	rp, err := c.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(40), ExcludePunctuation: aws.Bool(true)})
	if err != nil || len(*rp.RandomPassword) != 40 || strings.ContainsAny(*rp.RandomPassword, "!#$%") {
		t.Fatalf("random password: got %d chars, %v", len(aws.ToString(rp.RandomPassword)), err)
	}
	del, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), RecoveryWindowInDays: aws.Int64(7)})
	if err != nil || del.DeletionDate == nil || time.Until(*del.DeletionDate) < 6*24*time.Hour {
		t.Fatalf("delete: got %v %v", del, err)
	}
	_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	wantAPIError(t, err, "InvalidRequestException")
	if _, err := c.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("missing")})
	wantAPIError(t, err, "ResourceNotFoundException")
	_, err = c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("bad name!"), SecretString: aws.String("x")})
	wantAPIError(t, err, "InvalidParameterException")
	b, err := c.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{name, "missing"}})
	if err != nil || len(b.SecretValues) != 1 || *b.SecretValues[0].Name != name || len(b.Errors) != 1 || *b.Errors[0].ErrorCode != "ResourceNotFoundException" {
		t.Fatalf("batch get: got %d values and %d errors (%v), want one of each", len(b.SecretValues), len(b.Errors), err)
	}
	b, err = c.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{Filters: []smtypes.Filter{{Key: smtypes.FilterNameStringTypeName, Values: []string{"staging/"}}}})
	if err != nil || len(b.SecretValues) != 1 {
		t.Fatalf("batch get by filter: got %v %v", b, err)
	}
	_, err = c.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{})
	wantAPIError(t, err, "InvalidParameterException")
}

// signed returns a request for op signed with the admin's key, for tests
// that then spoil one part of it.
func (f *fixture) signed(t *testing.T, op, body string, at time.Time, region, service string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", f.url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "secretsmanager."+op)
	sum := sha256.Sum256([]byte(body))
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: f.keyID, SecretAccessKey: f.secret},
		req, hex.EncodeToString(sum[:]), service, region, at)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func send(t *testing.T, req *http.Request) (int, string, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Type    string `json:"__type"`
		Message string
	}
	json.Unmarshal(b, &e)
	if resp.Header.Get("x-amzn-RequestId") == "" {
		t.Errorf("response without x-amzn-RequestId")
	}
	return resp.StatusCode, e.Type, e.Message
}

func TestRefusedRequests(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/db"), SecretString: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}
	put := `{"SecretId":"app/db","SecretString":"changed"}`
	now := time.Now()
	cases := []struct {
		name string
		req  func() *http.Request
		code string
	}{
		{"no Authorization header", func() *http.Request {
			r := f.signed(t, "PutSecretValue", put, now, "us-east-1", "secretsmanager")
			r.Header.Del("Authorization")
			return r
		}, "MissingAuthenticationTokenException"},
		{"a wrong secret key", func() *http.Request {
			r := f.signed(t, "PutSecretValue", put, now, "us-east-1", "secretsmanager")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Signature=", "Signature=0", 1)[:len(r.Header.Get("Authorization"))])
			return r
		}, "InvalidSignatureException"},
		{"an unknown access key id", func() *http.Request {
			r := f.signed(t, "PutSecretValue", put, now, "us-east-1", "secretsmanager")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), f.keyID, "AKIAUNKNOWNUNKNOWNXX", 1))
			return r
		}, "UnrecognizedClientException"},
		{"an X-Amz-Date ten minutes old", func() *http.Request {
			return f.signed(t, "PutSecretValue", put, now.Add(-10*time.Minute), "us-east-1", "secretsmanager")
		}, "InvalidSignatureException"},
		{"an X-Amz-Date ten minutes ahead", func() *http.Request {
			return f.signed(t, "PutSecretValue", put, now.Add(10*time.Minute), "us-east-1", "secretsmanager")
		}, "InvalidSignatureException"},
		{"a body changed after signing", func() *http.Request {
			r := f.signed(t, "PutSecretValue", put, now, "us-east-1", "secretsmanager")
			tampered := strings.Replace(put, "changed", "chang3d", 1)
			r.Body = io.NopCloser(strings.NewReader(tampered))
			r.ContentLength = int64(len(tampered))
			r.Header.Del("X-Amz-Content-Sha256")
			return r
		}, "InvalidSignatureException"},
		{"a target header changed after signing", func() *http.Request {
			r := f.signed(t, "PutSecretValue", put, now, "us-east-1", "secretsmanager")
			r.Header.Set("X-Amz-Target", "secretsmanager.DeleteSecret")
			return r
		}, "InvalidSignatureException"},
		{"another region", func() *http.Request {
			return f.signed(t, "PutSecretValue", put, now, "eu-west-1", "secretsmanager")
		}, "InvalidSignatureException"},
		{"another service", func() *http.Request {
			return f.signed(t, "PutSecretValue", put, now, "us-east-1", "kms")
		}, "InvalidSignatureException"},
		{"a garbled Authorization header", func() *http.Request {
			r := f.signed(t, "PutSecretValue", put, now, "us-east-1", "secretsmanager")
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=nonsense")
			return r
		}, "IncompleteSignatureException"},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is refused and changes nothing", func(t *testing.T) {
			status, code, _ := send(t, tc.req())
			if status != 400 || code != tc.code {
				t.Fatalf("got %d %s, want 400 %s", status, code, tc.code)
			}
			g, err := f.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")})
			if err != nil || *g.SecretString != "v1" {
				t.Fatalf("the secret changed or cannot be read: %v", err)
			}
		})
	}
	t.Run("an unknown operation is UnknownOperationException", func(t *testing.T) {
		status, code, _ := send(t, f.signed(t, "StealSecrets", `{}`, now, "us-east-1", "secretsmanager"))
		if status != 400 || code != "UnknownOperationException" {
			t.Fatalf("got %d %s", status, code)
		}
	})
	t.Run("malformed JSON is SerializationException", func(t *testing.T) {
		status, code, _ := send(t, f.signed(t, "PutSecretValue", `{"SecretId":`, now, "us-east-1", "secretsmanager"))
		if status != 400 || code != "SerializationException" {
			t.Fatalf("got %d %s", status, code)
		}
	})
	t.Run("a value of the wrong type is SerializationException", func(t *testing.T) {
		status, code, _ := send(t, f.signed(t, "PutSecretValue", `{"SecretId":"app/db","SecretString":42}`, now, "us-east-1", "secretsmanager"))
		if status != 400 || code != "SerializationException" {
			t.Fatalf("got %d %s", status, code)
		}
	})
	t.Run("a body over 1 MiB is refused", func(t *testing.T) {
		big := `{"SecretId":"app/db","SecretString":"` + strings.Repeat("x", 1<<20) + `"}`
		status, code, _ := send(t, f.signed(t, "PutSecretValue", big, now, "us-east-1", "secretsmanager"))
		if status != 413 || code != "RequestEntityTooLargeException" {
			t.Fatalf("got %d %s", status, code)
		}
	})
	t.Run("a principal without a policy is denied", func(t *testing.T) {
		_, err := f.reader.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")})
		wantAPIError(t, err, "AccessDeniedException")
	})
	t.Run("GetRandomPassword is in the audit trail", func(t *testing.T) {
		if _, err := f.client.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{}); err != nil {
			t.Fatal(err)
		}
		recs, err := audit.Query(ctx, f.store.DB(), audit.Filter{Action: "secretsmanager:GetRandomPassword"})
		if err != nil || len(recs) != 1 || recs[0].Outcome != audit.OutcomeSuccess || !strings.HasSuffix(recs[0].Principal, ":user/admin") {
			t.Fatalf("records of GetRandomPassword: got %+v %v, want one success by the admin", recs, err)
		}
	})
	t.Run("every refused request is in the audit trail", func(t *testing.T) {
		recs, err := audit.Query(ctx, f.store.DB(), audit.Filter{Outcome: audit.OutcomeFailure})
		if err != nil {
			t.Fatal(err)
		}
		if want := len(cases) + 5; len(recs) != want {
			t.Fatalf("failure records: got %d, want %d", len(recs), want)
		}
		seen := map[string]bool{}
		for _, r := range recs {
			seen[r.ErrorCode] = true
			if r.SourceIP != "127.0.0.1" || r.RequestID == "" {
				t.Errorf("record %d: source %q request %q, want 127.0.0.1 and an id", r.Seq, r.SourceIP, r.RequestID)
			}
		}
		for _, c := range []string{"UnrecognizedClientException", "InvalidSignatureException", "AccessDeniedException", "SerializationException", "UnknownOperationException"} {
			if !seen[c] {
				t.Errorf("no audit record of a %s", c)
			}
		}
		if p, _, err := audit.Verify(ctx, f.store.DB()); err != nil || p != nil {
			t.Fatalf("verify: %v %v", p, err)
		}
	})
}

func TestHealthz(t *testing.T) {
	f := newFixture(t)
	resp, err := http.Get(f.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "ok\n" {
		t.Fatalf("healthz: got %d %q", resp.StatusCode, b)
	}
}

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("m/db"), SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := f.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("m/db")}); err != nil {
			t.Fatal(err)
		}
	}
	f.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("m/missing")})
	resp, err := http.Get(f.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	for _, want := range []string{
		`dbwarden_api_requests_total{operation="GetSecretValue",error=""} 3`,
		`dbwarden_api_requests_total{operation="GetSecretValue",error="ResourceNotFoundException"} 1`,
		`dbwarden_api_requests_total{operation="CreateSecret",error=""} 1`,
		`dbwarden_api_request_duration_seconds_count{operation="GetSecretValue"} 4`,
		`dbwarden_api_request_duration_seconds_bucket{operation="GetSecretValue",le="+Inf"} 4`,
		"dbwarden_secrets 1",
		"dbwarden_audit_chain_length ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestIdentityPolicies(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, n := range []string{"env/project/mysql/mysql-root-password", "env/project/mysql/mysql-user-password", "env/project/other"} {
		if _, err := f.client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(n), SecretString: aws.String("v-" + n),
			Tags: []smtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
			t.Fatal(err)
		}
	}
	parse := func(doc string) *authz.Policy {
		p, err := authz.Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Seeds 000 and 003: read and describe two named secrets, nothing else.
	f.policies["app"] = []*authz.Policy{parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],
		"Resource":["arn:aws:secretsmanager:us-east-1:000000000000:secret:env/project/mysql/mysql-root-password",
		            "arn:aws:secretsmanager:us-east-1:000000000000:secret:env/project/mysql/mysql-user-password"]}]}`)}
	r := f.reader
	t.Run("the seed policy allows reading its secrets", func(t *testing.T) {
		for _, n := range []string{"env/project/mysql/mysql-root-password", "env/project/mysql/mysql-user-password"} {
			g, err := r.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(n)})
			if err != nil || *g.SecretString != "v-"+n {
				t.Fatalf("read %s: %v", n, err)
			}
			if _, err := r.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(n)}); err != nil {
				t.Fatalf("describe %s: %v", n, err)
			}
		}
	})
	t.Run("the seed policy denies everything else", func(t *testing.T) {
		_, err := r.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("env/project/other")})
		wantAPIError(t, err, "AccessDeniedException")
		_, err = r.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("env/project/mysql/mysql-root-password"), SecretString: aws.String("x")})
		wantAPIError(t, err, "AccessDeniedException")
		_, err = r.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
		wantAPIError(t, err, "AccessDeniedException")
		_, err = r.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("env/project/mysql/mysql-root-password")})
		wantAPIError(t, err, "AccessDeniedException")
		_, err = r.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("env/project/missing")})
		wantAPIError(t, err, "AccessDeniedException")
		_, err = r.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"env/project/other"}})
		wantAPIError(t, err, "AccessDeniedException")
		g, err := f.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("env/project/mysql/mysql-root-password")})
		if err != nil || *g.SecretString != "v-env/project/mysql/mysql-root-password" {
			t.Fatal("a denied write changed the secret")
		}
	})
	t.Run("an explicit deny wins and says so", func(t *testing.T) {
		if _, err := f.store.CreatePrincipal(ctx, "auditor", false); err != nil {
			t.Fatal(err)
		}
		key, sec, err := f.store.CreateAccessKey(ctx, "auditor")
		if err != nil {
			t.Fatal(err)
		}
		f.policies["auditor"] = []*authz.Policy{
			parse(`{"Statement":{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}}`),
			parse(`{"Statement":{"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"secretsmanager:ResourceTag/env":"prod"}}}}`),
		}
		a := f.newClient(key, sec, "us-east-1")
		_, err = a.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("env/project/other")})
		wantAPIError(t, err, "AccessDeniedException")
		var ae smithy.APIError
		errors.As(err, &ae)
		if !strings.Contains(ae.ErrorMessage(), "explicit deny") {
			t.Fatalf("message %q does not say the deny is explicit", ae.ErrorMessage())
		}
		if _, err := a.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("env/project/other")}); err != nil {
			t.Fatalf("describe, which the deny does not cover: %v", err)
		}
		if _, err := a.ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); err != nil {
			t.Fatalf("list: %v", err)
		}
		// In a batch, the denied secret is an error entry, not a failed call.
		b, err := a.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"env/project/other"}})
		if err != nil || len(b.SecretValues) != 0 || len(b.Errors) != 1 || *b.Errors[0].ErrorCode != "AccessDeniedException" {
			t.Fatalf("batch get of a denied secret: got %v %v, want one AccessDeniedException entry", b, err)
		}
	})
	t.Run("a principal tag condition", func(t *testing.T) {
		for name, team := range map[string]string{"dba": "db", "web": "frontend"} {
			if _, err := f.store.CreatePrincipal(ctx, name, false); err != nil {
				t.Fatal(err)
			}
			if err := f.store.TagPrincipal(ctx, name, map[string]string{"team": team}); err != nil {
				t.Fatal(err)
			}
			key, sec, err := f.store.CreateAccessKey(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			f.policies[name] = []*authz.Policy{parse(`{"Statement":{"Effect":"Allow","Action":"secretsmanager:DescribeSecret","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"db"}}}}`)}
			_, err = f.newClient(key, sec, "us-east-1").DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("env/project/other")})
			if team == "db" && err != nil {
				t.Fatalf("principal tagged team=db: %v", err)
			}
			if team != "db" {
				wantAPIError(t, err, "AccessDeniedException")
			}
		}
	})
	t.Run("a source address condition", func(t *testing.T) {
		for name, cidr := range map[string]string{"local": "127.0.0.0/8", "remote": "10.0.0.0/8"} {
			if _, err := f.store.CreatePrincipal(ctx, name, false); err != nil {
				t.Fatal(err)
			}
			key, sec, err := f.store.CreateAccessKey(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			f.policies[name] = []*authz.Policy{parse(`{"Statement":{"Effect":"Allow","Action":"secretsmanager:DescribeSecret","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"` + cidr + `"}}}}`)}
			_, err = f.newClient(key, sec, "us-east-1").DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("env/project/other")})
			if name == "local" && err != nil {
				t.Fatalf("from loopback with 127.0.0.0/8 allowed: %v", err)
			}
			if name == "remote" {
				wantAPIError(t, err, "AccessDeniedException")
			}
		}
	})
}

func TestResourcePolicies(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.client
	if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("shared/db"), SecretString: aws.String("shared-value")}); err != nil {
		t.Fatal(err)
	}
	t.Run("a malformed policy is refused", func(t *testing.T) {
		_, err := c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("shared/db"), ResourcePolicy: aws.String(`{"Statement":`)})
		wantAPIError(t, err, "MalformedPolicyDocumentException")
	})
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	t.Run("a public policy is blocked by default", func(t *testing.T) {
		_, err := c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("shared/db"), ResourcePolicy: aws.String(public)})
		wantAPIError(t, err, "PublicPolicyException")
		v, err := c.ValidateResourcePolicy(ctx, &secretsmanager.ValidateResourcePolicyInput{ResourcePolicy: aws.String(public)})
		if err != nil || v.PolicyValidationPassed || len(v.ValidationErrors) != 1 || *v.ValidationErrors[0].CheckName != "PUBLIC_ACCESS_CHECK" {
			t.Fatalf("validate a public policy: got %+v %v", v, err)
		}
	})
	t.Run("a resource policy grants a principal without identity policies", func(t *testing.T) {
		_, err := f.reader.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("shared/db")})
		wantAPIError(t, err, "AccessDeniedException")
		grant := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
		if _, err := c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("shared/db"), ResourcePolicy: aws.String(grant)}); err != nil {
			t.Fatal(err)
		}
		g, err := f.reader.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("shared/db")})
		if err != nil || *g.SecretString != "shared-value" {
			t.Fatalf("read through the resource policy: %v", err)
		}
		got, err := c.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String("shared/db")})
		if err != nil || *got.ResourcePolicy != grant {
			t.Fatalf("get resource policy: %v", err)
		}
	})
	t.Run("a resource policy's explicit deny stops even an admin", func(t *testing.T) {
		deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"secretsmanager:DeleteSecret","Resource":"*"}]}`
		if _, err := c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("shared/db"), ResourcePolicy: aws.String(deny)}); err != nil {
			t.Fatal(err)
		}
		_, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("shared/db")})
		wantAPIError(t, err, "AccessDeniedException")
		if _, err := c.DeleteResourcePolicy(ctx, &secretsmanager.DeleteResourcePolicyInput{SecretId: aws.String("shared/db")}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("shared/db")}); err != nil {
			t.Fatalf("delete once the policy is gone: %v", err)
		}
	})
}
