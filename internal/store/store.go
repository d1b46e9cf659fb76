// Package store holds the contract of dbwarden's secret stores: the AWS
// Secrets Manager operations on secrets, their versions and their staging
// labels. Every backend (SQLite, PostgreSQL, AWS Secrets Manager) implements
// Store and passes the same conformance suite in storetest.
//
// Errors carry Secrets Manager's error codes as *secret.Error, so the API
// layer only has to put them on the wire. The caller's identity for the audit
// trail travels in the context (audit.WithCaller).
package store

import (
	"context"
	"time"

	"github.com/dbwarden/dbwarden/internal/secret"
)

// Store is a secret store with Secrets Manager's semantics.
//
// A SecretId is a name, a full ARN or a partial ARN (the ARN without its
// six-character suffix). Reads of a secret scheduled for deletion fail with
// InvalidRequestException; a secret that does not exist gives
// ResourceNotFoundException. Every call, read or write, successful or not,
// appends one audit record in the same transaction as its change.
type Store interface {
	CreateSecret(ctx context.Context, in *CreateSecretInput) (*CreateSecretOutput, error)
	GetSecretValue(ctx context.Context, in *GetSecretValueInput) (*GetSecretValueOutput, error)
	// PutSecretValue adds a version. Repeating a ClientRequestToken with the
	// same value is a no-op; with a different value it fails with
	// ResourceExistsException.
	PutSecretValue(ctx context.Context, in *PutSecretValueInput) (*PutSecretValueOutput, error)
	UpdateSecret(ctx context.Context, in *UpdateSecretInput) (*UpdateSecretOutput, error)
	UpdateSecretVersionStage(ctx context.Context, in *UpdateSecretVersionStageInput) (*UpdateSecretVersionStageOutput, error)
	DescribeSecret(ctx context.Context, in *DescribeSecretInput) (*DescribeSecretOutput, error)
	ListSecrets(ctx context.Context, in *ListSecretsInput) (*ListSecretsOutput, error)
	ListSecretVersionIds(ctx context.Context, in *ListSecretVersionIdsInput) (*ListSecretVersionIdsOutput, error)
	// DeleteSecret schedules deletion after a recovery window, or deletes at
	// once with ForceDeleteWithoutRecovery.
	DeleteSecret(ctx context.Context, in *DeleteSecretInput) (*DeleteSecretOutput, error)
	RestoreSecret(ctx context.Context, in *RestoreSecretInput) (*RestoreSecretOutput, error)
	TagResource(ctx context.Context, in *TagResourceInput) error
	UntagResource(ctx context.Context, in *UntagResourceInput) error
	// PutResourcePolicy attaches a resource policy to a secret, replacing
	// any; the caller has validated the document. GetResourcePolicy
	// returns an empty ResourcePolicy when there is none, and
	// DeleteResourcePolicy succeeds when there is none.
	PutResourcePolicy(ctx context.Context, in *PutResourcePolicyInput) (*PutResourcePolicyOutput, error)
	GetResourcePolicy(ctx context.Context, in *GetResourcePolicyInput) (*GetResourcePolicyOutput, error)
	DeleteResourcePolicy(ctx context.Context, in *DeleteResourcePolicyInput) (*DeleteResourcePolicyOutput, error)
	// RotateSecret stores a secret's rotation configuration and turns
	// rotation on; CancelRotateSecret turns it off and keeps the
	// configuration. Running rotations is the rotation engine's work.
	RotateSecret(ctx context.Context, in *RotateSecretInput) (*RotateSecretOutput, error)
	CancelRotateSecret(ctx context.Context, in *CancelRotateSecretInput) (*CancelRotateSecretOutput, error)
	// Purge removes the secrets whose recovery window ended before now and
	// returns their ARNs.
	Purge(ctx context.Context, now time.Time) ([]string, error)
	Close() error
}

// CreateSecretInput is CreateSecret's request.
type CreateSecretInput struct {
	Name               string       `json:"Name"`
	ClientRequestToken string       `json:"ClientRequestToken,omitempty"`
	Description        string       `json:"Description,omitempty"`
	KmsKeyId           string       `json:"KmsKeyId,omitempty"`
	SecretString       *string      `json:"SecretString,omitempty"`
	SecretBinary       []byte       `json:"SecretBinary,omitempty"`
	Tags               []secret.Tag `json:"Tags,omitempty"`
}

// CreateSecretOutput is CreateSecret's response. VersionId is empty when the
// secret was created without a value.
type CreateSecretOutput struct {
	ARN       string `json:"ARN"`
	Name      string `json:"Name"`
	VersionId string `json:"VersionId,omitempty"`
}

// GetSecretValueInput is GetSecretValue's request.
type GetSecretValueInput struct {
	SecretId     string `json:"SecretId"`
	VersionId    string `json:"VersionId,omitempty"`
	VersionStage string `json:"VersionStage,omitempty"`
}

// GetSecretValueOutput is GetSecretValue's response.
type GetSecretValueOutput struct {
	ARN           string    `json:"ARN"`
	Name          string    `json:"Name"`
	VersionId     string    `json:"VersionId"`
	SecretString  *string   `json:"SecretString,omitempty"`
	SecretBinary  []byte    `json:"SecretBinary,omitempty"`
	VersionStages []string  `json:"VersionStages"`
	CreatedDate   time.Time `json:"CreatedDate"`
}

// PutSecretValueInput is PutSecretValue's request.
type PutSecretValueInput struct {
	SecretId           string   `json:"SecretId"`
	ClientRequestToken string   `json:"ClientRequestToken,omitempty"`
	SecretString       *string  `json:"SecretString,omitempty"`
	SecretBinary       []byte   `json:"SecretBinary,omitempty"`
	VersionStages      []string `json:"VersionStages,omitempty"`
}

// PutSecretValueOutput is PutSecretValue's response.
type PutSecretValueOutput struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionId     string   `json:"VersionId"`
	VersionStages []string `json:"VersionStages"`
}

// UpdateSecretInput is UpdateSecret's request. A new value creates a new
// version labelled AWSCURRENT; Description and KmsKeyId change the metadata
// when not nil.
type UpdateSecretInput struct {
	SecretId           string  `json:"SecretId"`
	ClientRequestToken string  `json:"ClientRequestToken,omitempty"`
	Description        *string `json:"Description,omitempty"`
	KmsKeyId           *string `json:"KmsKeyId,omitempty"`
	SecretString       *string `json:"SecretString,omitempty"`
	SecretBinary       []byte  `json:"SecretBinary,omitempty"`
}

// UpdateSecretOutput is UpdateSecret's response.
type UpdateSecretOutput struct {
	ARN       string `json:"ARN"`
	Name      string `json:"Name"`
	VersionId string `json:"VersionId,omitempty"`
}

// UpdateSecretVersionStageInput is UpdateSecretVersionStage's request.
type UpdateSecretVersionStageInput struct {
	SecretId            string `json:"SecretId"`
	VersionStage        string `json:"VersionStage"`
	RemoveFromVersionId string `json:"RemoveFromVersionId,omitempty"`
	MoveToVersionId     string `json:"MoveToVersionId,omitempty"`
}

// UpdateSecretVersionStageOutput is UpdateSecretVersionStage's response.
type UpdateSecretVersionStageOutput struct {
	ARN  string `json:"ARN"`
	Name string `json:"Name"`
}

// DescribeSecretInput is DescribeSecret's request.
type DescribeSecretInput struct {
	SecretId string `json:"SecretId"`
}

// DescribeSecretOutput is DescribeSecret's response. It describes a secret
// scheduled for deletion too.
type DescribeSecretOutput struct {
	ARN                string                `json:"ARN"`
	Name               string                `json:"Name"`
	Description        string                `json:"Description,omitempty"`
	KmsKeyId           string                `json:"KmsKeyId,omitempty"`
	CreatedDate        time.Time             `json:"CreatedDate"`
	LastChangedDate    time.Time             `json:"LastChangedDate"`
	LastAccessedDate   *time.Time            `json:"LastAccessedDate,omitempty"`
	DeletedDate        *time.Time            `json:"DeletedDate,omitempty"`
	Tags               []secret.Tag          `json:"Tags,omitempty"`
	VersionIdsToStages map[string][]string   `json:"VersionIdsToStages,omitempty"`
	RotationEnabled    bool                  `json:"RotationEnabled,omitempty"`
	RotationLambdaARN  string                `json:"RotationLambdaARN,omitempty"`
	RotationRules      *secret.RotationRules `json:"RotationRules,omitempty"`
	LastRotatedDate    *time.Time            `json:"LastRotatedDate,omitempty"`
	NextRotationDate   *time.Time            `json:"NextRotationDate,omitempty"`
	// LastRotationFailure is a dbwarden extension: the step and error of
	// the last failed rotation run, until a run succeeds.
	LastRotationFailure string `json:"LastRotationFailure,omitempty"`
}

// Filter is one of ListSecrets' filters. Key is name, description,
// tag-key, tag-value, primary-region, owning-service or all; a value starting
// with "!" negates it. Values match as prefixes: case-sensitively for name,
// tag-key and tag-value, case-insensitively for description; all matches
// words in every attribute, ignoring case, as Secrets Manager does.
type Filter struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

// ListSecretsInput is ListSecrets' request.
type ListSecretsInput struct {
	Filters                []Filter `json:"Filters,omitempty"`
	IncludePlannedDeletion bool     `json:"IncludePlannedDeletion,omitempty"`
	MaxResults             int      `json:"MaxResults,omitempty"`
	NextToken              string   `json:"NextToken,omitempty"`
	SortOrder              string   `json:"SortOrder,omitempty"` // asc or desc, by creation date
}

// SecretListEntry is one secret in ListSecrets' response.
type SecretListEntry struct {
	ARN                    string                `json:"ARN"`
	Name                   string                `json:"Name"`
	Description            string                `json:"Description,omitempty"`
	KmsKeyId               string                `json:"KmsKeyId,omitempty"`
	CreatedDate            time.Time             `json:"CreatedDate"`
	LastChangedDate        time.Time             `json:"LastChangedDate"`
	LastAccessedDate       *time.Time            `json:"LastAccessedDate,omitempty"`
	DeletedDate            *time.Time            `json:"DeletedDate,omitempty"`
	Tags                   []secret.Tag          `json:"Tags,omitempty"`
	SecretVersionsToStages map[string][]string   `json:"SecretVersionsToStages,omitempty"`
	RotationEnabled        bool                  `json:"RotationEnabled,omitempty"`
	RotationLambdaARN      string                `json:"RotationLambdaARN,omitempty"`
	RotationRules          *secret.RotationRules `json:"RotationRules,omitempty"`
	LastRotatedDate        *time.Time            `json:"LastRotatedDate,omitempty"`
	NextRotationDate       *time.Time            `json:"NextRotationDate,omitempty"`
}

// ListSecretsOutput is ListSecrets' response.
type ListSecretsOutput struct {
	SecretList []SecretListEntry `json:"SecretList"`
	NextToken  string            `json:"NextToken,omitempty"`
}

// ListSecretVersionIdsInput is ListSecretVersionIds' request.
type ListSecretVersionIdsInput struct {
	SecretId          string `json:"SecretId"`
	IncludeDeprecated bool   `json:"IncludeDeprecated,omitempty"`
	MaxResults        int    `json:"MaxResults,omitempty"`
	NextToken         string `json:"NextToken,omitempty"`
}

// VersionEntry is one version in ListSecretVersionIds' response.
type VersionEntry struct {
	VersionId        string     `json:"VersionId"`
	VersionStages    []string   `json:"VersionStages,omitempty"`
	CreatedDate      time.Time  `json:"CreatedDate"`
	LastAccessedDate *time.Time `json:"LastAccessedDate,omitempty"`
}

// ListSecretVersionIdsOutput is ListSecretVersionIds' response.
type ListSecretVersionIdsOutput struct {
	ARN       string         `json:"ARN"`
	Name      string         `json:"Name"`
	Versions  []VersionEntry `json:"Versions"`
	NextToken string         `json:"NextToken,omitempty"`
}

// DeleteSecretInput is DeleteSecret's request. RecoveryWindowInDays 0 means
// the default, 30 days.
type DeleteSecretInput struct {
	SecretId                   string `json:"SecretId"`
	RecoveryWindowInDays       int    `json:"RecoveryWindowInDays,omitempty"`
	ForceDeleteWithoutRecovery bool   `json:"ForceDeleteWithoutRecovery,omitempty"`
}

// DeleteSecretOutput is DeleteSecret's response.
type DeleteSecretOutput struct {
	ARN          string    `json:"ARN"`
	Name         string    `json:"Name"`
	DeletionDate time.Time `json:"DeletionDate"`
}

// RestoreSecretInput is RestoreSecret's request.
type RestoreSecretInput struct {
	SecretId string `json:"SecretId"`
}

// RestoreSecretOutput is RestoreSecret's response.
type RestoreSecretOutput struct {
	ARN  string `json:"ARN"`
	Name string `json:"Name"`
}

// TagResourceInput is TagResource's request.
type TagResourceInput struct {
	SecretId string       `json:"SecretId"`
	Tags     []secret.Tag `json:"Tags"`
}

// UntagResourceInput is UntagResource's request.
type UntagResourceInput struct {
	SecretId string   `json:"SecretId"`
	TagKeys  []string `json:"TagKeys"`
}

// PutResourcePolicyInput is PutResourcePolicy's request.
type PutResourcePolicyInput struct {
	SecretId          string `json:"SecretId"`
	ResourcePolicy    string `json:"ResourcePolicy"`
	BlockPublicPolicy *bool  `json:"BlockPublicPolicy,omitempty"`
}

// PutResourcePolicyOutput is PutResourcePolicy's response.
type PutResourcePolicyOutput struct {
	ARN  string `json:"ARN"`
	Name string `json:"Name"`
}

// GetResourcePolicyInput is GetResourcePolicy's request.
type GetResourcePolicyInput struct {
	SecretId string `json:"SecretId"`
}

// GetResourcePolicyOutput is GetResourcePolicy's response.
type GetResourcePolicyOutput struct {
	ARN            string `json:"ARN"`
	Name           string `json:"Name"`
	ResourcePolicy string `json:"ResourcePolicy,omitempty"`
}

// DeleteResourcePolicyInput is DeleteResourcePolicy's request.
type DeleteResourcePolicyInput struct {
	SecretId string `json:"SecretId"`
}

// DeleteResourcePolicyOutput is DeleteResourcePolicy's response.
type DeleteResourcePolicyOutput struct {
	ARN  string `json:"ARN"`
	Name string `json:"Name"`
}

// MaxResourcePolicyBytes is the largest resource policy a secret takes.
const MaxResourcePolicyBytes = 20480

// SecretFacts is what authorization needs to know of a secret.
type SecretFacts struct {
	ARN            string
	Name           string
	Tags           map[string]string
	ResourcePolicy string
}

// RotateSecretInput is RotateSecret's request. RotationLambdaARN names the
// rotator: a Lambda function's ARN or a dbwarden rotator. RotateImmediately
// defaults to true, which makes the next rotation due now.
type RotateSecretInput struct {
	SecretId           string                `json:"SecretId"`
	ClientRequestToken string                `json:"ClientRequestToken,omitempty"`
	RotationLambdaARN  string                `json:"RotationLambdaARN,omitempty"`
	RotationRules      *secret.RotationRules `json:"RotationRules,omitempty"`
	RotateImmediately  *bool                 `json:"RotateImmediately,omitempty"`
}

// RotateSecretOutput is RotateSecret's response: VersionId is the version
// the requested rotation will create.
type RotateSecretOutput struct {
	ARN       string `json:"ARN"`
	Name      string `json:"Name"`
	VersionId string `json:"VersionId,omitempty"`
}

// CancelRotateSecretInput is CancelRotateSecret's request.
type CancelRotateSecretInput struct {
	SecretId string `json:"SecretId"`
}

// CancelRotateSecretOutput is CancelRotateSecret's response; VersionId is
// the AWSPENDING version of a rotation that was under way.
type CancelRotateSecretOutput struct {
	ARN       string `json:"ARN"`
	Name      string `json:"Name"`
	VersionId string `json:"VersionId,omitempty"`
}

// Authorizer decides, inside the store's own transaction, whether the
// caller may act on a secret once the store has found it. Its error, an
// AccessDeniedException, ends the operation and is recorded in the audit
// trail like any other failure.
type Authorizer func(SecretFacts) error

type authorizerKey struct{}

// WithAuthorizer returns a context whose store operations on one secret
// ask a before touching it.
func WithAuthorizer(ctx context.Context, a Authorizer) context.Context {
	return context.WithValue(ctx, authorizerKey{}, a)
}

// AuthorizerFrom returns the context's Authorizer, or nil.
func AuthorizerFrom(ctx context.Context) Authorizer {
	a, _ := ctx.Value(authorizerKey{}).(Authorizer)
	return a
}

// RotationState is what the rotation engine remembers of a secret's
// rotations between runs. Stores that can keep it implement
// RotationState and SaveRotationState (see the rotation package).
type RotationState struct {
	LastRotated time.Time // when the last rotation finished
	NextDue     time.Time // when the schedule makes the next one due

	// Token, Failures, LastFailure, FailedAt and RetryAt describe the
	// failed runs of the rotation in progress; all zero after a success.
	Token       string
	Failures    int
	LastFailure string // the step and its error; never a secret value
	FailedAt    time.Time
	RetryAt     time.Time
}
