package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// BenchmarkServerGetSecretValue sends signed GetSecretValue requests over
// loopback HTTP from parallel clients: SigV4 signing (client) and checking
// (server), JSON, the store and the audit record are all in the profile.
func BenchmarkServerGetSecretValue(b *testing.B) {
	t := &testing.T{}
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("bench/db"), SecretString: aws.String("bench-value")}); err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"SecretId":"bench/db"}`)
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	creds := aws.Credentials{AccessKeyID: f.keyID, SecretAccessKey: f.secret}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	signer := v4.NewSigner()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", f.url+"/", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("X-Amz-Target", "secretsmanager.GetSecretValue")
			if err := signer.SignHTTP(ctx, creds, req, hash, "secretsmanager", "us-east-1", time.Now()); err != nil {
				b.Error(err)
				return
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}
