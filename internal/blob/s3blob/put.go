package s3blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/dbwarden/dbwarden/internal/blob"
)

// Bounds for the requests that must finish whatever the caller's context
// says: creating an upload (to learn its id), completing it (the commit
// point; S3 may take minutes for a large object) and aborting it.
const (
	createTimeout   = 2 * time.Minute
	completeTimeout = 15 * time.Minute
	abortTimeout    = 2 * time.Minute
)

// Put implements blob.Bucket: a PutObject for an object of at most
// Options.PartSize bytes, a multipart upload otherwise.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader) (blob.Written, error) {
	if err := b.validate("put", key); err != nil {
		return blob.Written{}, err
	}
	if err := ctx.Err(); err != nil {
		return blob.Written{}, fmt.Errorf("s3blob: put %s: %w", b.location(key), err)
	}
	w, err := b.put(ctx, b.prefix+key, r)
	if err != nil {
		return blob.Written{}, fmt.Errorf("s3blob: put %s: %w", b.location(key), err)
	}
	return w, nil
}

func (b *Bucket) put(ctx context.Context, fullKey string, r io.Reader) (blob.Written, error) {
	h := sha256.New()
	buf := b.bufs.Get().(*[]byte)
	n, err := readPart(ctxReader{ctx, r}, *buf)
	h.Write((*buf)[:n])
	switch {
	case err == io.EOF:
		defer b.bufs.Put(buf)
		return b.putSingle(ctx, fullKey, (*buf)[:n], h)
	case err != nil:
		b.bufs.Put(buf)
		return blob.Written{}, err
	}
	return b.putMultipart(ctx, fullKey, r, h, buf)
}

// readPart fills p from r. It returns io.EOF when r ended (n may be less
// than len(p), and zero), nil when p is full and more may follow.
func readPart(r io.Reader, p []byte) (int, error) {
	n, err := io.ReadFull(r, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

// putSingle stores p with one PutObject, sending its SHA-256 for S3 to
// check.
func (b *Bucket) putSingle(ctx context.Context, fullKey string, p []byte, h hash.Hash) (blob.Written, error) {
	w := blob.Written{Size: int64(len(p))}
	h.Sum(w.SHA256[:0])
	in := &s3.PutObjectInput{
		Bucket:         &b.bucket,
		Key:            &fullKey,
		Body:           bytes.NewReader(p),
		ContentLength:  aws.Int64(int64(len(p))),
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(w.SHA256[:])),
		// Redundant with the value for S3, which takes the algorithm
		// from it; some S3-compatible stores only record a checksum
		// whose algorithm is named.
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
	}
	in.ServerSideEncryption, in.SSEKMSKeyId = b.encryption()
	if _, err := b.client.PutObject(ctx, in, knownPayloadHash(w.SHA256)); err != nil {
		return blob.Written{}, err
	}
	return w, nil
}

// encryption returns the server-side encryption headers of new objects.
func (b *Bucket) encryption() (types.ServerSideEncryption, *string) {
	switch b.opts.Encryption {
	case EncryptionNone:
		return "", nil
	case EncryptionKMS:
		if b.opts.KMSKeyID != "" {
			return types.ServerSideEncryptionAwsKms, aws.String(b.opts.KMSKeyID)
		}
		return types.ServerSideEncryptionAwsKms, nil
	}
	return types.ServerSideEncryptionAes256, nil
}

// putMultipart stores first (a full part) and the rest of r with a
// multipart upload, and aborts the upload on any failure.
func (b *Bucket) putMultipart(ctx context.Context, fullKey string, r io.Reader, h hash.Hash, first *[]byte) (blob.Written, error) {
	in := &s3.CreateMultipartUploadInput{
		Bucket:            &b.bucket,
		Key:               &fullKey,
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		ChecksumType:      types.ChecksumTypeComposite,
	}
	in.ServerSideEncryption, in.SSEKMSKeyId = b.encryption()
	// Not cut short by ctx: a request cancelled in flight might create an
	// upload whose id never arrives, and so could never be aborted.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
	out, err := b.client.CreateMultipartUpload(cctx, in)
	cancel()
	if err != nil {
		b.bufs.Put(first)
		return blob.Written{}, fmt.Errorf("create multipart upload: %w", err)
	}
	id := aws.ToString(out.UploadId)

	size, parts, err := b.uploadParts(ctx, fullKey, id, r, h, first)
	if err == nil {
		// The last moment a cancellation can stop the Put.
		err = ctx.Err()
	}
	if err != nil {
		return blob.Written{}, b.abort(ctx, fullKey, id, err)
	}

	cctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), completeTimeout)
	defer cancel()
	_, err = b.client.CompleteMultipartUpload(cctx, &s3.CompleteMultipartUploadInput{
		Bucket:          &b.bucket,
		Key:             &fullKey,
		UploadId:        &id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return blob.Written{}, b.abort(ctx, fullKey, id, fmt.Errorf("complete multipart upload: %w", err))
	}
	w := blob.Written{Size: size}
	h.Sum(w.SHA256[:0])
	return w, nil
}

// uploadParts uploads first and then each further part-sized piece of r,
// Options.Concurrency at a time, hashing the data into h as it is read.
// It returns the total size and the parts in order. On failure it stops
// reading, cancels the parts in flight and waits for them, so that an
// abort afterwards leaves nothing stored.
func (b *Bucket) uploadParts(ctx context.Context, fullKey, id string, r io.Reader, h hash.Hash, first *[]byte) (int64, []types.CompletedPart, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r = ctxReader{ctx, r}

	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		parts []types.CompletedPart
		size  int64
	)
	slots := make(chan struct{}, b.opts.Concurrency)
	buf, n, eof := first, len(*first), false
	for num := int32(1); ; num++ {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			b.bufs.Put(buf)
			wg.Wait()
			return 0, nil, context.Cause(ctx)
		}
		size += int64(n)
		part, pbuf, p := num, buf, (*buf)[:n]
		wg.Go(func() {
			defer func() {
				b.bufs.Put(pbuf)
				<-slots
			}()
			cp, err := b.uploadPart(ctx, fullKey, id, part, p)
			if err != nil {
				cancel(fmt.Errorf("upload part %d: %w", part, err))
				return
			}
			mu.Lock()
			parts = append(parts, cp)
			mu.Unlock()
		})
		if eof {
			break
		}

		buf = b.bufs.Get().(*[]byte)
		var err error
		n, err = readPart(r, *buf)
		h.Write((*buf)[:n])
		if err == io.EOF {
			eof = true
			if n == 0 {
				b.bufs.Put(buf)
				break
			}
		} else if err != nil {
			b.bufs.Put(buf)
			cancel(err)
			break
		}
		if num == MaxParts {
			b.bufs.Put(buf)
			cancel(fmt.Errorf("the object is larger than %d parts of %d bytes: raise the part size", MaxParts, b.opts.PartSize))
			break
		}
	}
	wg.Wait()
	if ctx.Err() != nil {
		return 0, nil, context.Cause(ctx)
	}
	slices.SortFunc(parts, sortParts)
	return size, parts, nil
}

// uploadPart uploads p as part num, with its SHA-256 for S3 to check.
func (b *Bucket) uploadPart(ctx context.Context, fullKey, id string, num int32, p []byte) (types.CompletedPart, error) {
	sum := sha256.Sum256(p)
	checksum := aws.String(base64.StdEncoding.EncodeToString(sum[:]))
	out, err := b.client.UploadPart(ctx, &s3.UploadPartInput{
		Bucket:         &b.bucket,
		Key:            &fullKey,
		UploadId:       &id,
		PartNumber:     aws.Int32(num),
		Body:           bytes.NewReader(p),
		ContentLength:  aws.Int64(int64(len(p))),
		ChecksumSHA256: checksum,
		// See putSingle.
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
	}, knownPayloadHash(sum))
	if err != nil {
		return types.CompletedPart{}, err
	}
	return types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num), ChecksumSHA256: checksum}, nil
}

// knownPayloadHash hands SigV4 the SHA-256 of a request's body, which Put
// has computed already for its checksum, so the SDK does not hash the body
// a second time to sign it (x-amz-content-sha256).
func knownPayloadHash(sum [sha256.Size]byte) func(*s3.Options) {
	h := hex.EncodeToString(sum[:])
	mw := middleware.FinalizeMiddlewareFunc("KnownPayloadHash", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
		middleware.FinalizeOutput, middleware.Metadata, error,
	) {
		return next.HandleFinalize(v4.SetPayloadHash(ctx, h), in)
	})
	return func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Finalize.Add(mw, middleware.Before)
		})
	}
}

// abort aborts the upload id after cause, and returns cause, with the
// abort's own failure added if it failed.
func (b *Bucket) abort(ctx context.Context, fullKey, id string, cause error) error {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	_, err := b.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: &b.bucket, Key: &fullKey, UploadId: &id})
	if err == nil || hasCode(err, "NoSuchUpload") {
		return cause
	}
	return fmt.Errorf("%w; aborting multipart upload %s failed too, so its parts stay stored until it is aborted "+
		"(AbortIncompleteUploads, or a bucket lifecycle rule with AbortIncompleteMultipartUpload): %w", cause, id, err)
}

// AbortIncompleteUploads aborts the multipart uploads under the Bucket's
// prefix that were started before before, and returns how many it
// aborted. Uploads of a running Put are among them if before is later
// than its start, so pass a time well in the past (a day ago). Such
// leftovers only exist when a Put's own abort could not reach S3.
func (b *Bucket) AbortIncompleteUploads(ctx context.Context, before time.Time) (int, error) {
	pages := s3.NewListMultipartUploadsPaginator(b.client, &s3.ListMultipartUploadsInput{
		Bucket: &b.bucket,
		Prefix: aws.String(b.prefix),
	})
	aborted := 0
	var errs []error
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return aborted, errors.Join(append(errs, fmt.Errorf("s3blob: list multipart uploads in %s: %w", b, err))...)
		}
		for _, u := range page.Uploads {
			if !aws.ToTime(u.Initiated).Before(before) {
				continue
			}
			_, err := b.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &b.bucket, Key: u.Key, UploadId: u.UploadId})
			switch {
			case err == nil:
				aborted++
			case !hasCode(err, "NoSuchUpload"):
				errs = append(errs, fmt.Errorf("s3blob: abort multipart upload %s of s3://%s/%s: %w", aws.ToString(u.UploadId), b.bucket, aws.ToString(u.Key), err))
			}
		}
	}
	return aborted, errors.Join(errs...)
}

// ctxReader fails reads once ctx is done, so a Put stops reading a
// producer as soon as it is cancelled or a part fails.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, context.Cause(c.ctx)
	}
	return c.r.Read(p)
}
