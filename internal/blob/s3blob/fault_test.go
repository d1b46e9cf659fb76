package s3blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dbwarden/dbwarden/internal/blob/blobtest"
	"github.com/dbwarden/dbwarden/internal/blob/s3blob"
	"github.com/dbwarden/dbwarden/internal/testenv"
)

// faultProxy is a reverse proxy on 127.0.0.1 in front of moto. It records
// the S3 operations that pass and, once armed, drops the connection of
// UploadPart requests after a number of them, or of every request.
type faultProxy struct {
	srv *httptest.Server

	mu        sync.Mutex
	ops       []string
	headers   map[string]http.Header // first request of each operation
	armed     bool
	partsLeft int  // UploadParts still let through
	dropAll   bool // once the parts are used up, drop every request
	dropped   int
	// bodies counts the PutObject and UploadPart bodies checked against
	// their x-amz-content-sha256 and x-amz-checksum-sha256 headers, and
	// badHashes those that did not match.
	bodies    int
	badHashes []string
}

func newFaultProxy(t *testing.T, endpoint string) *faultProxy {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{headers: map[string]http.Header{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = log.New(io.Discard, "", 0) // requests the client cancels are expected
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := operation(r)
		if p.admit(op, r.Header) {
			if op == "PutObject" || op == "UploadPart" {
				p.checkBody(op, r)
			}
			rp.ServeHTTP(w, r)
			return
		}
		// Drop the connection mid-request, as a failing network would.
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("proxy: hijack: %v", err)
			return
		}
		conn.Close()
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *faultProxy) URL() string { return p.srv.URL }

// admit records a request and reports whether it may pass.
func (p *faultProxy) admit(op string, h http.Header) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.armed && (op == "UploadPart" || p.dropAll) && p.partsLeft == 0 {
		p.dropped++
		p.ops = append(p.ops, op+" (dropped)")
		return false
	}
	if p.armed && op == "UploadPart" {
		p.partsLeft--
	}
	p.ops = append(p.ops, op)
	if _, ok := p.headers[op]; !ok {
		p.headers[op] = h.Clone()
	}
	return true
}

// checkBody reads r's body, checks it against the hashes in its headers,
// and puts it back for the proxy to forward. moto checks neither header;
// AWS rejects a request where either differs.
func (p *faultProxy) checkBody(op string, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		return // the client went away; the forward fails too
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(body)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bodies++
	if got, want := r.Header.Get("X-Amz-Content-Sha256"), hex.EncodeToString(sum[:]); got != want {
		p.badHashes = append(p.badHashes, fmt.Sprintf("%s: x-amz-content-sha256 %q, body hashes to %q", op, got, want))
	}
	if got, want := r.Header.Get("X-Amz-Checksum-Sha256"), base64.StdEncoding.EncodeToString(sum[:]); got != want {
		p.badHashes = append(p.badHashes, fmt.Sprintf("%s: x-amz-checksum-sha256 %q, body hashes to %q", op, got, want))
	}
}

// failAfter arms the proxy: n UploadPart requests pass, then UploadParts
// (or, with all, every request) have their connection dropped.
func (p *faultProxy) failAfter(n int, all bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed, p.partsLeft, p.dropAll = true, n, all
}

func (p *faultProxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ops, p.headers, p.armed, p.dropped = nil, map[string]http.Header{}, false, 0
	p.bodies, p.badHashes = 0, nil
}

func (p *faultProxy) count(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, o := range p.ops {
		if o == op {
			n++
		}
	}
	return n
}

func (p *faultProxy) encryptionHeaders(op string) (sse, kmsKey string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.headers[op]
	return h.Get("X-Amz-Server-Side-Encryption"), h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id")
}

// operation names the S3 operation of a path-style request.
func operation(r *http.Request) string {
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPut && q.Has("partNumber") && q.Has("uploadId"):
		return "UploadPart"
	case r.Method == http.MethodPost && q.Has("uploads"):
		return "CreateMultipartUpload"
	case r.Method == http.MethodPost && q.Has("uploadId"):
		return "CompleteMultipartUpload"
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		return "AbortMultipartUpload"
	case r.Method == http.MethodPost && q.Has("delete"):
		return "DeleteObjects"
	case r.Method == http.MethodPut:
		return "PutObject"
	}
	return r.Method
}

// faultConfig is a moto config through the proxy whose SDK retries stop
// after two attempts with short back-offs, so failures end promptly.
func faultConfig(proxyURL string) aws.Config {
	cfg := testenv.ConfigFor(proxyURL)
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 2
			o.MaxBackoff = 50 * time.Millisecond
		})
	}
	return cfg
}

// TestPartFailureAbortsTheUpload drops UploadPart connections after two
// parts of a five-part object: Put fails, no object appears, and the upload
// is aborted, so no part stays stored.
func TestPartFailureAbortsTheUpload(t *testing.T) {
	t.Parallel()
	endpoint := testenv.Moto(t)
	raw := s3.NewFromConfig(testenv.ConfigFor(endpoint), pathStyle...)
	createBucket(t, raw, "faults")
	proxy := newFaultProxy(t, endpoint)
	b, err := s3blob.New(faultConfig(proxy.URL()), "s3://faults/backups", testOptions())
	if err != nil {
		t.Fatal(err)
	}

	proxy.failAfter(2, false)
	data := randomBytes(3, 4*blobtest.PartSize+1)
	_, err = b.Put(context.Background(), "chunk", onlyReader{bytes.NewReader(data)})
	if err == nil {
		t.Fatal("Put succeeded through a proxy that drops UploadPart requests")
	}
	if !strings.Contains(err.Error(), "upload part") || !strings.Contains(err.Error(), "s3://faults/backups/chunk") {
		t.Errorf("Put error %q does not name the failed part and the object", err)
	}
	if proxy.dropped == 0 {
		t.Error("the proxy dropped no request; the test tested nothing")
	}
	// At least once: under load the SDK may send the abort again after an
	// attempt whose answer it did not get; what matters is that no upload
	// is left (checked below).
	if n := proxy.count("AbortMultipartUpload"); n < 1 {
		t.Errorf("AbortMultipartUpload sent %d times, want at least once", n)
	}
	if n := proxy.count("CompleteMultipartUpload"); n != 0 {
		t.Errorf("CompleteMultipartUpload sent %d times, want never", n)
	}
	checkNoUploads(t, raw, "faults")
	_, err = raw.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("faults"), Key: aws.String("backups/chunk")})
	if err == nil {
		t.Error("the object exists after the failed Put")
	}
}

// TestUnreachableEndpointLeavesANamedUpload drops every request after two
// parts, so the abort cannot reach S3 either: Put fails and says which
// upload is left, the upload is indeed left (its parts stay stored), and
// AbortIncompleteUploads removes it once S3 is reachable again.
func TestUnreachableEndpointLeavesANamedUpload(t *testing.T) {
	t.Parallel()
	endpoint := testenv.Moto(t)
	cfg := testenv.ConfigFor(endpoint)
	raw := s3.NewFromConfig(cfg, pathStyle...)
	createBucket(t, raw, "faults")
	proxy := newFaultProxy(t, endpoint)
	b, err := s3blob.New(faultConfig(proxy.URL()), "s3://faults/backups", testOptions())
	if err != nil {
		t.Fatal(err)
	}

	proxy.failAfter(2, true)
	_, err = b.Put(context.Background(), "chunk", onlyReader{bytes.NewReader(randomBytes(4, 4*blobtest.PartSize+1))})
	if err == nil {
		t.Fatal("Put succeeded through a proxy that drops every request")
	}
	if n := proxy.count("AbortMultipartUpload (dropped)"); n == 0 {
		t.Error("Put did not try to abort the upload")
	}
	left := uploads(t, raw, "faults")
	if len(left) != 1 {
		t.Fatalf("%d multipart uploads in progress, want the one whose abort could not get through", len(left))
	}
	id := aws.ToString(left[0].UploadId)
	if !strings.Contains(err.Error(), "aborting multipart upload "+id+" failed") {
		t.Errorf("Put error %q does not name the upload %s left behind", err, id)
	}

	direct, err := s3blob.New(cfg, "s3://faults/backups", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if n, err := direct.AbortIncompleteUploads(context.Background(), time.Now().Add(time.Minute)); n != 1 || err != nil {
		t.Errorf("AbortIncompleteUploads = %d, %v; want 1, nil", n, err)
	}
	checkNoUploads(t, raw, "faults")
	if ok, err := direct.Exists(context.Background(), "chunk"); ok || err != nil {
		t.Errorf("Exists after the failed Put = %v, %v; want false, nil", ok, err)
	}
}

// TestCancelStopsPartsInFlight cancels a Put while its parts are being
// uploaded through a proxy that holds them back: the Put returns the
// cancellation, and the upload is aborted.
func TestCancelStopsPartsInFlight(t *testing.T) {
	t.Parallel()
	endpoint := testenv.Moto(t)
	raw := s3.NewFromConfig(testenv.ConfigFor(endpoint), pathStyle...)
	createBucket(t, raw, "cancel")
	target, _ := url.Parse(endpoint)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = log.New(io.Discard, "", 0)
	inPart := make(chan struct{}, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if operation(r) == "UploadPart" {
			io.Copy(io.Discard, r.Body)
			inPart <- struct{}{}
			<-r.Context().Done() // hold the part until the client gives up
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer srv.Close()
	b, err := s3blob.New(faultConfig(srv.URL), "s3://cancel", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-inPart
		cancel()
	}()
	_, err = b.Put(ctx, "chunk", onlyReader{bytes.NewReader(randomBytes(5, blobtest.LargeSize))})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Put: got %v, want context.Canceled", err)
	}
	checkNoUploads(t, raw, "cancel")
	if _, err := raw.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("cancel"), Key: aws.String("chunk")}); err == nil {
		t.Error("the object exists after the cancelled Put")
	}
}

// TestDeleteBatches checks that Delete splits 2,001 keys into DeleteObjects
// requests of at most 1,000 keys, S3's limit, which moto does not enforce.
func TestDeleteBatches(t *testing.T) {
	t.Parallel()
	endpoint := testenv.Moto(t)
	raw := s3.NewFromConfig(testenv.ConfigFor(endpoint), pathStyle...)
	createBucket(t, raw, "batches")
	proxy := newFaultProxy(t, endpoint)
	b, err := s3blob.New(faultConfig(proxy.URL()), "s3://batches", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 2001)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%04d", i)
	}
	// The objects need not exist: S3 deletes missing keys without complaint.
	if err := b.Delete(context.Background(), keys...); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if n := proxy.count("DeleteObjects"); n != 3 {
		t.Errorf("Delete of %d keys sent %d DeleteObjects requests, want 3", len(keys), n)
	}
}
