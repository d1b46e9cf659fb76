package api

import (
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/store"
)

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261125/us-east-1/secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + strings.Repeat("a", 64))
	f.Add("AWS4-HMAC-SHA256 Credential=/x/y/z/aws4_request,SignedHeaders=,Signature=")
	f.Fuzz(func(t *testing.T, h string) {
		s, err := parseAuthorization(h)
		if err != nil {
			if s != nil || err.code != "IncompleteSignatureException" {
				t.Fatalf("a refused header gave %v and %v", s, err)
			}
			return
		}
		if s.keyID == "" || len(s.signature) != 64 || len(s.signedHeaders) == 0 {
			t.Fatalf("accepted a header without key id, signature or signed headers: %+v", s)
		}
	})
}

// FuzzDecodeRequest feeds request bodies to the decoder of every
// operation's input: it never panics, and refuses with SerializationException.
func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"SecretId":"app/db","VersionStage":"AWSCURRENT"}`))
	f.Add([]byte(`{"Name":"a","SecretBinary":"AAEC","Tags":[{"Key":"k","Value":"v"}]}`))
	f.Add([]byte(`{"Filters":[{"Key":"name","Values":["!x"]}],"MaxResults":5}`))
	f.Add([]byte(`{"SecretString":42}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []any{
			&store.CreateSecretInput{}, &store.GetSecretValueInput{}, &store.PutSecretValueInput{},
			&store.UpdateSecretInput{}, &store.ListSecretsInput{}, &store.DeleteSecretInput{},
			&store.TagResourceInput{}, &randomPasswordInput{},
		}
		for _, v := range targets {
			if err := decode(body, v); err != nil {
				ae, ok := err.(*apiError)
				if !ok || ae.code != "SerializationException" {
					t.Fatalf("decode error %v, want a SerializationException", err)
				}
			}
		}
	})
}
