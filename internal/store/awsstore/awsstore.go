// Package awsstore is a store.Store on AWS Secrets Manager itself, through
// the AWS SDK for Go v2. Every method is the Secrets Manager operation of the
// same name: its input is translated field by field into the SDK's request,
// the response back into the store's output, and the API's error codes into
// secret.Error codes, so callers see the same codes whatever the backend.
//
// # Validation
//
// Secrets Manager is the authority on what it accepts: names, value sizes,
// tag and label limits, token lengths, recovery windows and rotation rules
// are checked by the service, not duplicated here, so a limit AWS changes is
// never held back by an old copy. awsstore checks only what its translation
// needs (a MaxResults that fits the API's 32-bit field).
//
// A request without a ClientRequestToken gets one from the SDK, as with the
// aws CLI, so the SDK's retries of a write never make a second version.
//
// # Values and encryption
//
// Values are stored as ordinary Secrets Manager values, encrypted at rest by
// the service under the secret's KMS key (KmsKeyId, or aws/secretsmanager),
// so applications, the aws CLI and rotation Lambdas read them directly. They
// travel to AWS over the SDK's TLS connection; dbwarden's own envelope
// encryption is not applied on top.
//
// # Errors
//
// Secrets Manager's own codes (ResourceNotFoundException,
// InvalidParameterException and the rest of secret's codes) pass through
// unchanged. ValidationException, MalformedPolicyDocumentException and
// PublicPolicyException become InvalidParameterException;
// PreconditionNotMetException becomes InvalidRequestException; IAM and
// signature failures of dbwarden's own AWS credentials become
// AccessDeniedException; anything else (throttling after the SDK's retries,
// network failures, a cancelled context) is InternalServiceError with the
// cause wrapped. Error text is AWS's message, with any value of the request
// removed from it.
//
// # Authorization
//
// AWS authorizes every call on its side with IAM, against the credentials in
// the aws.Config. When the context also carries a store.Authorizer (as
// dbwarden's API server sets for operations on one secret), awsstore
// consults it before acting: it reads the secret's ARN, name and tags with
// DescribeSecret and its resource policy with GetResourcePolicy, asks the
// Authorizer, and then acts on the full ARN it found, so the secret decided
// on is the secret changed. Unlike the SQL stores this is not one
// transaction: a tag or policy change by someone else between the check and
// the operation is not seen. The credentials then also need
// secretsmanager:DescribeSecret and secretsmanager:GetResourcePolicy. Without
// an Authorizer in the context no extra call is made.
//
// # Audit
//
// awsstore writes no audit record: AWS CloudTrail records every Secrets
// Manager call, read or write, successful or not, under the identity of
// the credentials in the aws.Config. The caller in the context
// (audit.WithCaller) does not reach CloudTrail, so who asked dbwarden is
// recorded only if the layer above the store records it.
//
// # Not supported
//
// Purge has no Secrets Manager counterpart, since the service deletes a
// secret by itself when its recovery window ends; it returns an
// InvalidRequestException that wraps ErrNotSupported.
//
// Secrets Manager is eventually consistent: ListSecrets may not show a
// change of the last minutes, and its clock, not the caller's, dates every
// change.
package awsstore

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

var _ store.Store = (*Store)(nil)

// ErrNotSupported is wrapped by the errors of methods that have no Secrets
// Manager counterpart.
var ErrNotSupported = errors.New("not supported by the AWS backend")

// Store is a store.Store on AWS Secrets Manager. It holds no state of its
// own and is safe for concurrent use.
type Store struct {
	client *secretsmanager.Client
}

// New returns a Store that calls Secrets Manager with cfg: its credentials,
// region, retryer and endpoint (BaseEndpoint, or the SDK's standard
// AWS_ENDPOINT_URL variables when cfg came from config.LoadDefaultConfig).
// optFns adjust the client's options, as in secretsmanager.NewFromConfig.
func New(cfg aws.Config, optFns ...func(*secretsmanager.Options)) *Store {
	return &Store{client: secretsmanager.NewFromConfig(cfg, optFns...)}
}

// Close implements store.Store; the Store holds nothing to release.
func (s *Store) Close() error { return nil }

// Purge implements store.Store. Secrets Manager removes a secret by itself
// when its recovery window ends, so there is nothing to do here and no API
// to do it with: Purge returns an InvalidRequestException that wraps
// ErrNotSupported.
func (s *Store) Purge(ctx context.Context, now time.Time) ([]string, error) {
	return nil, &secret.Error{
		Code:    secret.CodeInvalidRequest,
		Message: "Purge is not supported by the AWS backend: Secrets Manager deletes a secret by itself when its recovery window ends.",
		Err:     ErrNotSupported,
	}
}

// target returns the SecretId an operation on id should send. Without an
// Authorizer in the context that is id itself. With one, it describes the
// secret, reads its resource policy, asks the Authorizer and returns the
// secret's full ARN, along with the description it read.
func (s *Store) target(ctx context.Context, id string) (string, *secretsmanager.DescribeSecretOutput, error) {
	authorize := store.AuthorizerFrom(ctx)
	if authorize == nil {
		return id, nil, nil
	}
	d, err := s.client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if err != nil {
		return "", nil, apiError("DescribeSecret", err)
	}
	p, err := s.client.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: d.ARN})
	if err != nil {
		return "", nil, apiError("GetResourcePolicy", err)
	}
	facts := store.SecretFacts{
		ARN:            aws.ToString(d.ARN),
		Name:           aws.ToString(d.Name),
		Tags:           make(map[string]string, len(d.Tags)),
		ResourcePolicy: aws.ToString(p.ResourcePolicy),
	}
	for _, t := range d.Tags {
		facts.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	if err := authorize(facts); err != nil {
		return "", nil, err
	}
	return facts.ARN, d, nil
}
