package backup_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dbwarden/dbwarden/internal/backup"
	"github.com/dbwarden/dbwarden/internal/backup/retention"
	"github.com/dbwarden/dbwarden/internal/blob/s3blob"
	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
	"github.com/dbwarden/dbwarden/internal/testenv"
)

// failingS3 is a proxy on 127.0.0.1 in front of moto that, once armed,
// lets a number of uploads (PUT requests: PutObject, UploadPart) through
// and answers every later one with 503.
type failingS3 struct {
	srv     *httptest.Server
	armed   atomic.Bool
	allow   atomic.Int64 // uploads still let through once armed
	refused atomic.Int64
}

func newFailingS3(t *testing.T, endpoint string) *failingS3 {
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	f := &failingS3{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && f.armed.Load() && f.allow.Add(-1) < 0 {
			f.refused.Add(1)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`<Error><Code>ServiceUnavailable</Code><Message>the endpoint failed</Message></Error>`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// The S3 endpoint fails in the middle of a backup's upload: the backup
// fails, is not listed as complete, and prune neither counts it nor lets it
// push out the last complete backup.
func TestArchiveS3FailsMidUpload(t *testing.T) {
	f := newFixture(t)
	src := "ar_s3fault"
	t.Cleanup(func() { f.db.Exec("DROP DATABASE IF EXISTS " + src) })
	f.exec(t, "CREATE DATABASE "+src)
	for _, tbl := range []string{"a", "b", "c", "d", "e", "f"} {
		f.exec(t, "CREATE TABLE "+src+"."+tbl+" (id INT PRIMARY KEY, v TEXT)", "INSERT INTO "+src+"."+tbl+" VALUES (1, 'x'), (2, 'y')")
	}
	endpoint := testenv.Moto(t)
	ctx := context.Background()
	pathStyle := func(o *s3.Options) { o.UsePathStyle = true }
	if _, err := s3.NewFromConfig(testenv.ConfigFor(endpoint), pathStyle).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("faulty")}); err != nil {
		t.Fatal(err)
	}
	proxy := newFailingS3(t, endpoint)
	cfg := testenv.ConfigFor(proxy.srv.URL)
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 2; o.MaxBackoff = 20 * time.Millisecond })
	}
	bucket, err := s3blob.New(cfg, "s3://faulty/prod", s3blob.Options{ClientOptions: []func(*s3.Options){pathStyle}})
	if err != nil {
		t.Fatal(err)
	}
	kp, err := filekeys.Open(filepath.Join(t.TempDir(), "keys"))
	if err != nil {
		t.Fatal(err)
	}
	a := &backup.Archive{Bucket: bucket, Keys: kp, KeyName: "file", Version: "test"}
	opts := backup.RunOptions{Dump: backup.Options{Include: []string{src}, SkipUsers: true}}
	good, err := a.Run(ctx, f.root, opts)
	if err != nil {
		t.Fatalf("backup through the healthy proxy: %v", err)
	}

	proxy.allow.Store(4) // a few objects land, then every upload fails
	proxy.armed.Store(true)
	if _, err := a.Run(ctx, f.root, opts); err == nil {
		t.Fatalf("a backup whose uploads failed succeeded (%d uploads refused)", proxy.refused.Load())
	}
	if proxy.refused.Load() == 0 {
		t.Fatal("the proxy refused no upload; the test tested nothing")
	}
	proxy.armed.Store(false)

	list, err := a.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.ID != good.BackupID && s.Complete {
			t.Fatalf("the failed backup is listed as complete: %+v", s)
		}
	}
	p, err := retention.ParsePolicy("keep-last=1")
	if err != nil {
		t.Fatal(err)
	}
	removed, _, err := a.Prune(ctx, p, time.Now(), false)
	if err != nil {
		t.Fatalf("prune: %v", err)
	}
	for _, id := range removed {
		if id.ID == good.BackupID {
			t.Fatal("prune removed the only complete backup")
		}
	}
	if _, _, err := a.Verify(ctx, good.BackupID); err != nil {
		t.Fatalf("the complete backup no longer verifies: %v", err)
	}
}
