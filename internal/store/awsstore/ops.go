package awsstore

import (
	"context"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

// CreateSecret implements store.Store. The Authorizer is not consulted:
// there is no secret yet to decide on.
func (s *Store) CreateSecret(ctx context.Context, in *store.CreateSecretInput) (*store.CreateSecretOutput, error) {
	out, err := s.client.CreateSecret(ctx, &sm.CreateSecretInput{
		Name:               aws.String(in.Name),
		ClientRequestToken: optString(in.ClientRequestToken),
		Description:        optString(in.Description),
		KmsKeyId:           optString(in.KmsKeyId),
		SecretString:       in.SecretString,
		SecretBinary:       in.SecretBinary,
		Tags:               toTags(in.Tags),
	})
	if err != nil {
		return nil, apiError("CreateSecret", err, valuesOf(in.SecretString, in.SecretBinary)...)
	}
	return &store.CreateSecretOutput{
		ARN:       aws.ToString(out.ARN),
		Name:      aws.ToString(out.Name),
		VersionId: aws.ToString(out.VersionId),
	}, nil
}

// GetSecretValue implements store.Store.
func (s *Store) GetSecretValue(ctx context.Context, in *store.GetSecretValueInput) (*store.GetSecretValueOutput, error) {
	id, _, err := s.target(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	out, err := s.client.GetSecretValue(ctx, &sm.GetSecretValueInput{
		SecretId:     aws.String(id),
		VersionId:    optString(in.VersionId),
		VersionStage: optString(in.VersionStage),
	})
	if err != nil {
		return nil, apiError("GetSecretValue", err)
	}
	return &store.GetSecretValueOutput{
		ARN:           aws.ToString(out.ARN),
		Name:          aws.ToString(out.Name),
		VersionId:     aws.ToString(out.VersionId),
		SecretString:  out.SecretString,
		SecretBinary:  out.SecretBinary,
		VersionStages: stages(out.VersionStages),
		CreatedDate:   utc(out.CreatedDate),
	}, nil
}

// PutSecretValue implements store.Store.
func (s *Store) PutSecretValue(ctx context.Context, in *store.PutSecretValueInput) (*store.PutSecretValueOutput, error) {
	id, _, err := s.target(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	out, err := s.client.PutSecretValue(ctx, &sm.PutSecretValueInput{
		SecretId:           aws.String(id),
		ClientRequestToken: optString(in.ClientRequestToken),
		SecretString:       in.SecretString,
		SecretBinary:       in.SecretBinary,
		VersionStages:      in.VersionStages,
	})
	if err != nil {
		return nil, apiError("PutSecretValue", err, valuesOf(in.SecretString, in.SecretBinary)...)
	}
	return &store.PutSecretValueOutput{
		ARN:           aws.ToString(out.ARN),
		Name:          aws.ToString(out.Name),
		VersionId:     aws.ToString(out.VersionId),
		VersionStages: stages(out.VersionStages),
	}, nil
}

// UpdateSecret implements store.Store.
func (s *Store) UpdateSecret(ctx context.Context, in *store.UpdateSecretInput) (*store.UpdateSecretOutput, error) {
	id, _, err := s.target(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	out, err := s.client.UpdateSecret(ctx, &sm.UpdateSecretInput{
		SecretId:           aws.String(id),
		ClientRequestToken: optString(in.ClientRequestToken),
		Description:        in.Description,
		KmsKeyId:           in.KmsKeyId,
		SecretString:       in.SecretString,
		SecretBinary:       in.SecretBinary,
	})
	if err != nil {
		return nil, apiError("UpdateSecret", err, valuesOf(in.SecretString, in.SecretBinary)...)
	}
	return &store.UpdateSecretOutput{
		ARN:       aws.ToString(out.ARN),
		Name:      aws.ToString(out.Name),
		VersionId: aws.ToString(out.VersionId),
	}, nil
}

// UpdateSecretVersionStage implements store.Store.
func (s *Store) UpdateSecretVersionStage(ctx context.Context, in *store.UpdateSecretVersionStageInput) (*store.UpdateSecretVersionStageOutput, error) {
	id, _, err := s.target(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	out, err := s.client.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{
		SecretId:            aws.String(id),
		VersionStage:        aws.String(in.VersionStage),
		RemoveFromVersionId: optString(in.RemoveFromVersionId),
		MoveToVersionId:     optString(in.MoveToVersionId),
	})
	if err != nil {
		return nil, apiError("UpdateSecretVersionStage", err)
	}
	return &store.UpdateSecretVersionStageOutput{ARN: aws.ToString(out.ARN), Name: aws.ToString(out.Name)}, nil
}

// DescribeSecret implements store.Store. With an Authorizer in the context
// the description read for it is the answer, so no second call is made.
func (s *Store) DescribeSecret(ctx context.Context, in *store.DescribeSecretInput) (*store.DescribeSecretOutput, error) {
	_, d, err := s.target(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	if d == nil {
		if d, err = s.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(in.SecretId)}); err != nil {
			return nil, apiError("DescribeSecret", err)
		}
	}
	e := listEntry(types.SecretListEntry{
		ARN: d.ARN, Name: d.Name, Description: d.Description, KmsKeyId: d.KmsKeyId,
		CreatedDate: d.CreatedDate, LastChangedDate: d.LastChangedDate, LastAccessedDate: d.LastAccessedDate,
		DeletedDate: d.DeletedDate, Tags: d.Tags, SecretVersionsToStages: d.VersionIdsToStages,
		RotationEnabled: d.RotationEnabled, RotationLambdaARN: d.RotationLambdaARN, RotationRules: d.RotationRules,
		LastRotatedDate: d.LastRotatedDate, NextRotationDate: d.NextRotationDate,
	})
	return &store.DescribeSecretOutput{
		ARN: e.ARN, Name: e.Name, Description: e.Description, KmsKeyId: e.KmsKeyId,
		CreatedDate: e.CreatedDate, LastChangedDate: e.LastChangedDate, LastAccessedDate: e.LastAccessedDate,
		DeletedDate: e.DeletedDate, Tags: e.Tags, VersionIdsToStages: e.SecretVersionsToStages,
		RotationEnabled: e.RotationEnabled, RotationLambdaARN: e.RotationLambdaARN, RotationRules: e.RotationRules,
		LastRotatedDate: e.LastRotatedDate, NextRotationDate: e.NextRotationDate,
	}, nil
}

// ListSecrets implements store.Store. It lists what the credentials may
// see; the Authorizer, which decides on one secret, is not consulted.
func (s *Store) ListSecrets(ctx context.Context, in *store.ListSecretsInput) (*store.ListSecretsOutput, error) {
	limit, err := maxResults(in.MaxResults)
	if err != nil {
		return nil, err
	}
	req := &sm.ListSecretsInput{
		MaxResults: limit,
		NextToken:  optString(in.NextToken),
		SortOrder:  types.SortOrderType(in.SortOrder),
	}
	if in.IncludePlannedDeletion {
		req.IncludePlannedDeletion = aws.Bool(true)
	}
	for _, f := range in.Filters {
		req.Filters = append(req.Filters, types.Filter{Key: types.FilterNameStringType(f.Key), Values: f.Values})
	}
	out, err := s.client.ListSecrets(ctx, req)
	if err != nil {
		return nil, apiError("ListSecrets", err)
	}
	l := &store.ListSecretsOutput{SecretList: make([]store.SecretListEntry, 0, len(out.SecretList)), NextToken: aws.ToString(out.NextToken)}
	for _, e := range out.SecretList {
		l.SecretList = append(l.SecretList, listEntry(e))
	}
	return l, nil
}

// ListSecretVersionIds implements store.Store.
func (s *Store) ListSecretVersionIds(ctx context.Context, in *store.ListSecretVersionIdsInput) (*store.ListSecretVersionIdsOutput, error) {
	limit, err := maxResults(in.MaxResults)
	if err != nil {
		return nil, err
	}
	id, _, err := s.target(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	req := &sm.ListSecretVersionIdsInput{SecretId: aws.String(id), MaxResults: limit, NextToken: optString(in.NextToken)}
	if in.IncludeDeprecated {
		req.IncludeDeprecated = aws.Bool(true)
	}
	out, err := s.client.ListSecretVersionIds(ctx, req)
	if err != nil {
		return nil, apiError("ListSecretVersionIds", err)
	}
	l := &store.ListSecretVersionIdsOutput{
		ARN: aws.ToString(out.ARN), Name: aws.ToString(out.Name),
		Versions: make([]store.VersionEntry, 0, len(out.Versions)), NextToken: aws.ToString(out.NextToken),
	}
	for _, v := range out.Versions {
		l.Versions = append(l.Versions, store.VersionEntry{
			VersionId:        aws.ToString(v.VersionId),
			VersionStages:    v.VersionStages,
			CreatedDate:      utc(v.CreatedDate),
			LastAccessedDate: utcPtr(v.LastAccessedDate),
		})
	}
	return l, nil
}

// DeleteSecret implements store.Store. RecoveryWindowInDays 0 is left out
// of the request, which gives Secrets Manager's default of 30 days.
func (s *Store) DeleteSecret(ctx context.Context, in *store.DeleteSecretInput) (*store.DeleteSecretOutput, error) {
	id, _, err := s.target(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	req := &sm.DeleteSecretInput{SecretId: aws.String(id)}
	if in.RecoveryWindowInDays != 0 {
		req.RecoveryWindowInDays = aws.Int64(int64(in.RecoveryWindowInDays))
	}
	if in.ForceDeleteWithoutRecovery {
		req.ForceDeleteWithoutRecovery = aws.Bool(true)
	}
	out, err := s.client.DeleteSecret(ctx, req)
	if err != nil {
		return nil, apiError("DeleteSecret", err)
	}
	return &store.DeleteSecretOutput{ARN: aws.ToString(out.ARN), Name: aws.ToString(out.Name), DeletionDate: utc(out.DeletionDate)}, nil
}

// RestoreSecret implements store.Store.
func (s *Store) RestoreSecret(ctx context.Context, in *store.RestoreSecretInput) (*store.RestoreSecretOutput, error) {
	id, _, err := s.target(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	out, err := s.client.RestoreSecret(ctx, &sm.RestoreSecretInput{SecretId: aws.String(id)})
	if err != nil {
		return nil, apiError("RestoreSecret", err)
	}
	return &store.RestoreSecretOutput{ARN: aws.ToString(out.ARN), Name: aws.ToString(out.Name)}, nil
}

// TagResource implements store.Store.
func (s *Store) TagResource(ctx context.Context, in *store.TagResourceInput) error {
	id, _, err := s.target(ctx, in.SecretId)
	if err != nil {
		return err
	}
	// Tags is required by the API, even when empty.
	tags := toTags(in.Tags)
	if tags == nil {
		tags = []types.Tag{}
	}
	if _, err := s.client.TagResource(ctx, &sm.TagResourceInput{SecretId: aws.String(id), Tags: tags}); err != nil {
		return apiError("TagResource", err)
	}
	return nil
}

// UntagResource implements store.Store.
func (s *Store) UntagResource(ctx context.Context, in *store.UntagResourceInput) error {
	id, _, err := s.target(ctx, in.SecretId)
	if err != nil {
		return err
	}
	keys := in.TagKeys
	if keys == nil {
		keys = []string{}
	}
	if _, err := s.client.UntagResource(ctx, &sm.UntagResourceInput{SecretId: aws.String(id), TagKeys: keys}); err != nil {
		return apiError("UntagResource", err)
	}
	return nil
}

// PutResourcePolicy implements store.Store.
func (s *Store) PutResourcePolicy(ctx context.Context, in *store.PutResourcePolicyInput) (*store.PutResourcePolicyOutput, error) {
	id, _, err := s.target(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	out, err := s.client.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{
		SecretId:          aws.String(id),
		ResourcePolicy:    aws.String(in.ResourcePolicy),
		BlockPublicPolicy: in.BlockPublicPolicy,
	})
	if err != nil {
		return nil, apiError("PutResourcePolicy", err)
	}
	return &store.PutResourcePolicyOutput{ARN: aws.ToString(out.ARN), Name: aws.ToString(out.Name)}, nil
}

// GetResourcePolicy implements store.Store.
func (s *Store) GetResourcePolicy(ctx context.Context, in *store.GetResourcePolicyInput) (*store.GetResourcePolicyOutput, error) {
	id, _, err := s.target(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	out, err := s.client.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: aws.String(id)})
	if err != nil {
		return nil, apiError("GetResourcePolicy", err)
	}
	return &store.GetResourcePolicyOutput{
		ARN: aws.ToString(out.ARN), Name: aws.ToString(out.Name), ResourcePolicy: aws.ToString(out.ResourcePolicy),
	}, nil
}

// DeleteResourcePolicy implements store.Store.
func (s *Store) DeleteResourcePolicy(ctx context.Context, in *store.DeleteResourcePolicyInput) (*store.DeleteResourcePolicyOutput, error) {
	id, _, err := s.target(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	out, err := s.client.DeleteResourcePolicy(ctx, &sm.DeleteResourcePolicyInput{SecretId: aws.String(id)})
	if err != nil {
		return nil, apiError("DeleteResourcePolicy", err)
	}
	return &store.DeleteResourcePolicyOutput{ARN: aws.ToString(out.ARN), Name: aws.ToString(out.Name)}, nil
}

// RotateSecret implements store.Store. On AWS, RotationLambdaARN names a
// Lambda function, which Secrets Manager invokes itself; the rotation runs
// there, not in dbwarden's engine.
func (s *Store) RotateSecret(ctx context.Context, in *store.RotateSecretInput) (*store.RotateSecretOutput, error) {
	id, _, err := s.target(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	out, err := s.client.RotateSecret(ctx, &sm.RotateSecretInput{
		SecretId:           aws.String(id),
		ClientRequestToken: optString(in.ClientRequestToken),
		RotationLambdaARN:  optString(in.RotationLambdaARN),
		RotationRules:      toRules(in.RotationRules),
		RotateImmediately:  in.RotateImmediately,
	})
	if err != nil {
		return nil, apiError("RotateSecret", err)
	}
	return &store.RotateSecretOutput{ARN: aws.ToString(out.ARN), Name: aws.ToString(out.Name), VersionId: aws.ToString(out.VersionId)}, nil
}

// CancelRotateSecret implements store.Store.
func (s *Store) CancelRotateSecret(ctx context.Context, in *store.CancelRotateSecretInput) (*store.CancelRotateSecretOutput, error) {
	id, _, err := s.target(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	out, err := s.client.CancelRotateSecret(ctx, &sm.CancelRotateSecretInput{SecretId: aws.String(id)})
	if err != nil {
		return nil, apiError("CancelRotateSecret", err)
	}
	return &store.CancelRotateSecretOutput{ARN: aws.ToString(out.ARN), Name: aws.ToString(out.Name), VersionId: aws.ToString(out.VersionId)}, nil
}

// ---- translation between the store and the SDK ----

// optString leaves an empty string out of a request.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// maxResults translates MaxResults, 0 meaning the service's default, into
// the API's 32-bit field; Secrets Manager checks the range it accepts.
func maxResults(n int) (*int32, error) {
	if n == 0 {
		return nil, nil
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return nil, secret.Errorf(secret.CodeInvalidParameter, "Invalid MaxResults %d: it must be between 1 and %d.", n, store.MaxResults)
	}
	return aws.Int32(int32(n)), nil
}

func toTags(tags []secret.Tag) []types.Tag {
	if tags == nil {
		return nil
	}
	out := make([]types.Tag, len(tags))
	for i, t := range tags {
		out[i] = types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)}
	}
	return out
}

func fromTags(tags []types.Tag) []secret.Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]secret.Tag, len(tags))
	for i, t := range tags {
		out[i] = secret.Tag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)}
	}
	return out
}

func toRules(r *secret.RotationRules) *types.RotationRulesType {
	if r == nil {
		return nil
	}
	return &types.RotationRulesType{
		AutomaticallyAfterDays: r.AutomaticallyAfterDays,
		Duration:               r.Duration,
		ScheduleExpression:     r.ScheduleExpression,
	}
}

// fromRules returns nil for rules that set nothing, which is how a secret
// that never had rotation configured reads.
func fromRules(r *types.RotationRulesType) *secret.RotationRules {
	if r == nil || r.AutomaticallyAfterDays == nil && r.Duration == nil && r.ScheduleExpression == nil {
		return nil
	}
	return &secret.RotationRules{
		AutomaticallyAfterDays: r.AutomaticallyAfterDays,
		Duration:               r.Duration,
		ScheduleExpression:     r.ScheduleExpression,
	}
}

// stages returns a version's labels, never nil, as the store's outputs
// carry them.
func stages(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func listEntry(e types.SecretListEntry) store.SecretListEntry {
	out := store.SecretListEntry{
		ARN:                    aws.ToString(e.ARN),
		Name:                   aws.ToString(e.Name),
		Description:            aws.ToString(e.Description),
		KmsKeyId:               aws.ToString(e.KmsKeyId),
		CreatedDate:            utc(e.CreatedDate),
		LastChangedDate:        utc(e.LastChangedDate),
		LastAccessedDate:       utcPtr(e.LastAccessedDate),
		DeletedDate:            utcPtr(e.DeletedDate),
		Tags:                   fromTags(e.Tags),
		RotationEnabled:        aws.ToBool(e.RotationEnabled),
		RotationLambdaARN:      aws.ToString(e.RotationLambdaARN),
		RotationRules:          fromRules(e.RotationRules),
		LastRotatedDate:        utcPtr(e.LastRotatedDate),
		NextRotationDate:       utcPtr(e.NextRotationDate),
		SecretVersionsToStages: e.SecretVersionsToStages,
	}
	if len(out.SecretVersionsToStages) == 0 {
		out.SecretVersionsToStages = nil
	}
	return out
}
