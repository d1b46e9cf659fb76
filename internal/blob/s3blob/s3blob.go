// Package s3blob is a blob.Bucket in an S3 bucket, or under a prefix of
// one, through the AWS SDK for Go v2. It works with AWS S3 and with
// S3-compatible stores (moto, MinIO, Ceph) through the aws.Config's
// endpoint and, for most of those, path-style addressing
// (Options.ClientOptions setting s3.Options.UsePathStyle).
//
// # Uploads
//
// Put reads the object into part-sized buffers. An object that fits in one
// part is sent with a single PutObject; a larger one with a multipart
// upload whose parts go up Options.Concurrency at a time, so a Put holds at
// most Concurrency+1 buffers of Options.PartSize (80 MiB with the
// defaults). The SHA-256 of the whole object is computed while reading.
// Every request carries the SHA-256 of its body (x-amz-checksum-sha256),
// which S3 checks before accepting it: a single-part object is stored with
// the whole object's SHA-256, a multipart one with S3's composite checksum
// of its parts.
//
// An upload that fails for any reason (the reader, the context, a part
// that fails after the SDK's retries) is aborted, after the parts in
// flight have stopped, so no part is left stored. The upload is created and
// aborted with a context that the caller's cancellation does not cut short,
// so even a cancelled Put learns its upload's id and aborts it. If the abort
// itself cannot reach S3, Put's error says so and names the upload;
// AbortIncompleteUploads, or a bucket lifecycle rule with
// AbortIncompleteMultipartUpload, removes such leftovers.
//
// Once every part is stored, completing the upload is the commit point: it
// runs to its end even if ctx is cancelled meanwhile. A failure after S3
// stored the object but before its answer arrived can make Put fail for an
// object that was in fact stored whole; S3 never shows a partial object.
//
// # Encryption at rest
//
// Objects are written with server-side encryption: SSE-S3 (AES256) by
// default, SSE-KMS with Options.Encryption "aws:kms" and optionally a key
// id, or none for stores that support neither. Data is encrypted above
// this package already; this is a second layer that bucket policies often
// require.
//
// # Errors
//
// NoSuchKey and NotFound become blob.ErrNotFound. HeadObject (Stat, Exists)
// cannot tell a missing object from a missing bucket, so Stat of any key in
// a bucket that does not exist is ErrNotFound too; without s3:ListBucket
// permission AWS answers AccessDenied instead of NotFound for missing keys.
// Other errors are the SDK's, wrapped with the operation and the object's
// s3:// location.
package s3blob

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/dbwarden/dbwarden/internal/blob"
)

var _ blob.Bucket = (*Bucket)(nil)

// Limits and defaults. S3 takes parts of 5 MiB to 5 GiB (the last may be
// smaller) and at most 10,000 of them, so the part size bounds the largest
// object: 160 GiB with the default.
const (
	DefaultPartSize    = 16 << 20
	MinPartSize        = 5 << 20
	MaxPartSize        = 5 << 30
	MaxParts           = 10000
	DefaultConcurrency = 4
	// MaxListPageSize is S3's largest page of ListObjectsV2, and
	// MaxDeleteBatch its most keys per DeleteObjects.
	MaxListPageSize = 1000
	MaxDeleteBatch  = 1000
)

// Server-side encryption settings for Options.Encryption.
const (
	EncryptionAES256 = "AES256"  // SSE-S3, the default
	EncryptionKMS    = "aws:kms" // SSE-KMS, with Options.KMSKeyID or the account's aws/s3 key
	EncryptionNone   = "none"    // no encryption header, for stores that support none
)

// Options configure a Bucket. The zero value is the defaults.
type Options struct {
	// PartSize is the size of each part of a multipart upload, and the
	// largest object sent with a single PutObject. Default
	// DefaultPartSize; MinPartSize to MaxPartSize.
	PartSize int64
	// Concurrency is how many parts of one Put are uploaded at once.
	// Default DefaultConcurrency.
	Concurrency int
	// Encryption is EncryptionAES256 (the default when empty),
	// EncryptionKMS or EncryptionNone.
	Encryption string
	// KMSKeyID is the KMS key (id, ARN or alias) for EncryptionKMS; empty
	// means the account's AWS managed key for S3.
	KMSKeyID string
	// ListPageSize is how many keys List asks for per request. Default
	// and maximum MaxListPageSize.
	ListPageSize int
	// ClientOptions adjust the S3 client, as in s3.NewFromConfig.
	ClientOptions []func(*s3.Options)
}

// validate fills in defaults and returns every invalid field, each named.
func (o *Options) validate() error {
	var errs []error
	switch {
	case o.PartSize == 0:
		o.PartSize = DefaultPartSize
	case o.PartSize < MinPartSize || o.PartSize > MaxPartSize:
		errs = append(errs, fmt.Errorf("option PartSize %d is outside %d (5 MiB) to %d (5 GiB), the part sizes S3 accepts", o.PartSize, MinPartSize, MaxPartSize))
	}
	switch {
	case o.Concurrency == 0:
		o.Concurrency = DefaultConcurrency
	case o.Concurrency < 0:
		errs = append(errs, fmt.Errorf("option Concurrency %d is negative", o.Concurrency))
	}
	switch o.Encryption {
	case "":
		o.Encryption = EncryptionAES256
	case EncryptionAES256, EncryptionKMS, EncryptionNone:
	default:
		errs = append(errs, fmt.Errorf("option Encryption %q is not one of %q, %q or %q", o.Encryption, EncryptionAES256, EncryptionKMS, EncryptionNone))
	}
	if o.KMSKeyID != "" && o.Encryption != EncryptionKMS {
		errs = append(errs, fmt.Errorf("option KMSKeyID is set but Encryption is %q, not %q", o.Encryption, EncryptionKMS))
	}
	switch {
	case o.ListPageSize == 0:
		o.ListPageSize = MaxListPageSize
	case o.ListPageSize < 0 || o.ListPageSize > MaxListPageSize:
		errs = append(errs, fmt.Errorf("option ListPageSize %d is outside 1 to %d", o.ListPageSize, MaxListPageSize))
	}
	return errors.Join(errs...)
}

// Bucket is a blob.Bucket under a prefix of an S3 bucket. It is safe for
// concurrent use.
type Bucket struct {
	client *s3.Client
	bucket string
	prefix string // "" or ending in "/"
	opts   Options
	bufs   sync.Pool // *[]byte of opts.PartSize
}

// New returns a Bucket for the location rawURL ("s3://bucket" or
// "s3://bucket/prefix", see ParseURL) that calls S3 with cfg: its
// credentials, region, retryer and endpoint (BaseEndpoint, or the SDK's
// standard AWS_ENDPOINT_URL variables when cfg came from
// config.LoadDefaultConfig). It makes no request.
func New(cfg aws.Config, rawURL string, opts Options) (*Bucket, error) {
	bucket, prefix, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("s3blob: %w", err)
	}
	b := &Bucket{
		client: s3.NewFromConfig(cfg, opts.ClientOptions...),
		bucket: bucket,
		prefix: prefix,
		opts:   opts,
	}
	b.bufs.New = func() any { p := make([]byte, b.opts.PartSize); return &p }
	return b, nil
}

// ParseURL splits "s3://bucket/prefix" into the bucket name and the key
// prefix, which is empty or ends in "/" ("s3://b/backups" and
// "s3://b/backups/" both give "backups/"). The bucket name follows S3's
// rules; the prefix, blob.ValidatePrefix's. Everything after the bucket is
// the prefix, literally: '?' and '#' are key characters here, not a query
// or a fragment.
func ParseURL(rawURL string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(rawURL, "s3://")
	if !ok {
		return "", "", fmt.Errorf("s3blob: URL %q: want s3://bucket or s3://bucket/prefix", rawURL)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if err := validateBucketName(bucket); err != nil {
		return "", "", fmt.Errorf("s3blob: URL %q: %w", rawURL, err)
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	if err := blob.ValidatePrefix(prefix); err != nil {
		return "", "", fmt.Errorf("s3blob: URL %q: %w", rawURL, err)
	}
	return bucket, prefix, nil
}

// validateBucketName checks S3's rules for bucket names: 3 to 63 lowercase
// letters, digits, '.' and '-', starting and ending with a letter or digit.
func validateBucketName(name string) error {
	if name == "" {
		return errors.New("the bucket name is empty")
	}
	if len(name) < 3 || len(name) > 63 {
		return fmt.Errorf("bucket name %q is %d characters; S3 takes 3 to 63", name, len(name))
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && c != '.' && c != '-' {
			return fmt.Errorf("bucket name %q has %q; S3 takes lowercase letters, digits, '.' and '-'", name, c)
		}
		if !alnum && (i == 0 || i == len(name)-1) {
			return fmt.Errorf("bucket name %q must start and end with a letter or digit", name)
		}
	}
	return nil
}

// String returns the Bucket's location as an s3:// URL.
func (b *Bucket) String() string { return "s3://" + b.bucket + "/" + b.prefix }

// Close implements blob.Bucket; the Bucket holds nothing to release.
func (b *Bucket) Close() error { return nil }

// location is the s3:// URL of key, for error messages.
func (b *Bucket) location(key string) string { return b.String() + key }

// validate checks key with blob.ValidateKey and S3's limit on the full
// key, prefix included.
func (b *Bucket) validate(op, key string) error {
	if err := blob.ValidateKey(key); err != nil {
		return fmt.Errorf("s3blob: %s: %w", op, err)
	}
	if n := len(b.prefix) + len(key); n > blob.MaxKeyBytes {
		return fmt.Errorf("s3blob: %s: %w %.64q...: with the prefix %q it is %d bytes, longer than S3's %d",
			op, blob.ErrInvalidKey, key, b.prefix, n, blob.MaxKeyBytes)
	}
	return nil
}

// fail wraps err from the S3 operation op on key, turning a missing object
// into blob.ErrNotFound.
func (b *Bucket) fail(op, key string, err error) error {
	if isNotFound(err) {
		return fmt.Errorf("s3blob: %s %s: %w", op, b.location(key), blob.ErrNotFound)
	}
	return fmt.Errorf("s3blob: %s %s: %w", op, b.location(key), err)
}

func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	return hasCode(err, "NoSuchKey", "NotFound")
}

func hasCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// Get implements blob.Bucket.
func (b *Bucket) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return b.GetRange(ctx, key, 0, -1)
}

// GetRange implements blob.Bucket with a ranged GetObject.
func (b *Bucket) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := b.validate("get", key); err != nil {
		return nil, err
	}
	if offset < 0 || length < -1 || length == 0 {
		return nil, fmt.Errorf("s3blob: get %s: invalid range: offset %d, length %d (want offset >= 0 and length > 0, or -1 for the rest)", b.location(key), offset, length)
	}
	in := &s3.GetObjectInput{Bucket: &b.bucket, Key: aws.String(b.prefix + key)}
	switch {
	case offset == 0 && length == -1:
	case length == -1 || length > math.MaxInt64-offset:
		in.Range = aws.String(fmt.Sprintf("bytes=%d-", offset))
	default:
		in.Range = aws.String(fmt.Sprintf("bytes=%d-%d", offset, offset+length-1))
	}
	out, err := b.client.GetObject(ctx, in)
	if err != nil {
		// S3 answers a range that starts at or past the end (any range
		// of an empty object) with 416 InvalidRange; the object exists.
		if in.Range != nil && (hasCode(err, "InvalidRange") || httpStatus(err) == http.StatusRequestedRangeNotSatisfiable) {
			return io.NopCloser(bytes.NewReader(nil)), nil
		}
		return nil, b.fail("get", key, err)
	}
	return out.Body, nil
}

// Stat implements blob.Bucket with HeadObject.
func (b *Bucket) Stat(ctx context.Context, key string) (blob.Attrs, error) {
	if err := b.validate("stat", key); err != nil {
		return blob.Attrs{}, err
	}
	out, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.bucket, Key: aws.String(b.prefix + key)})
	if err != nil {
		return blob.Attrs{}, b.fail("stat", key, err)
	}
	return blob.Attrs{Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified)}, nil
}

// Exists implements blob.Bucket.
func (b *Bucket) Exists(ctx context.Context, key string) (bool, error) {
	_, err := b.Stat(ctx, key)
	if errors.Is(err, blob.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// List implements blob.Bucket with ListObjectsV2, Options.ListPageSize
// keys per request.
func (b *Bucket) List(ctx context.Context, prefix, delimiter string) iter.Seq2[blob.Entry, error] {
	return func(yield func(blob.Entry, error) bool) {
		if err := blob.ValidatePrefix(prefix); err != nil {
			yield(blob.Entry{}, fmt.Errorf("s3blob: list: %w", err))
			return
		}
		if delimiter != "" && delimiter != blob.Delimiter {
			yield(blob.Entry{}, fmt.Errorf("s3blob: list %s: delimiter %q is not supported: use %q or none", b.location(prefix), delimiter, blob.Delimiter))
			return
		}
		in := &s3.ListObjectsV2Input{
			Bucket:  &b.bucket,
			Prefix:  aws.String(b.prefix + prefix),
			MaxKeys: aws.Int32(int32(b.opts.ListPageSize)),
		}
		if delimiter != "" {
			in.Delimiter = aws.String(delimiter)
		}
		pages := s3.NewListObjectsV2Paginator(b.client, in)
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				yield(blob.Entry{}, fmt.Errorf("s3blob: list %s: %w", b.location(prefix), err))
				return
			}
			for _, e := range b.pageEntries(page) {
				if !yield(e, nil) {
					return
				}
			}
		}
	}
}

// pageEntries merges a page's objects and common prefixes, each sorted by
// S3, into one lexical order, without the Bucket's prefix. Objects whose
// keys end in "/", which no valid key can name, are left out.
func (b *Bucket) pageEntries(page *s3.ListObjectsV2Output) []blob.Entry {
	es := make([]blob.Entry, 0, len(page.Contents)+len(page.CommonPrefixes))
	objs, dirs := page.Contents, page.CommonPrefixes
	for len(objs) > 0 || len(dirs) > 0 {
		if len(dirs) == 0 || len(objs) > 0 && aws.ToString(objs[0].Key) < aws.ToString(dirs[0].Prefix) {
			o := objs[0]
			objs = objs[1:]
			if strings.HasSuffix(aws.ToString(o.Key), "/") {
				continue // a "folder" marker of the S3 console, not an object a key can name
			}
			es = append(es, blob.Entry{
				Key:     strings.TrimPrefix(aws.ToString(o.Key), b.prefix),
				Size:    aws.ToInt64(o.Size),
				ModTime: aws.ToTime(o.LastModified),
			})
			continue
		}
		d := dirs[0]
		dirs = dirs[1:]
		es = append(es, blob.Entry{Key: strings.TrimPrefix(aws.ToString(d.Prefix), b.prefix), Dir: true})
	}
	return es
}

// Delete implements blob.Bucket with DeleteObjects, MaxDeleteBatch keys
// per request. A failed batch does not stop the next.
func (b *Bucket) Delete(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if err := b.validate("delete", k); err != nil {
			return err
		}
	}
	var errs []error
	for batch := range slices.Chunk(keys, MaxDeleteBatch) {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("s3blob: delete: %w", err))
			break
		}
		objs := make([]types.ObjectIdentifier, len(batch))
		for i, k := range batch {
			objs[i] = types.ObjectIdentifier{Key: aws.String(b.prefix + k)}
		}
		out, err := b.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: &b.bucket,
			Delete: &types.Delete{Objects: objs, Quiet: aws.Bool(true)},
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("s3blob: delete %d keys from %s, %q to %q: %w", len(batch), b, batch[0], batch[len(batch)-1], err))
			continue
		}
		for _, e := range out.Errors {
			errs = append(errs, fmt.Errorf("s3blob: delete %s: %s: %s",
				b.location(strings.TrimPrefix(aws.ToString(e.Key), b.prefix)), aws.ToString(e.Code), aws.ToString(e.Message)))
		}
	}
	return errors.Join(errs...)
}

// sortParts orders completed parts by number, as CompleteMultipartUpload
// requires.
func sortParts(a, b types.CompletedPart) int {
	return cmp.Compare(aws.ToInt32(a.PartNumber), aws.ToInt32(b.PartNumber))
}
