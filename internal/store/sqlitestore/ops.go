package sqlitestore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

var errMarkedForDeletion = secret.Errorf(secret.CodeInvalidRequest, "You can't perform this operation on the secret because it was marked for deletion.")

// findAny finds the secret an operation acts on and names it in the
// operation's audit record.
func (s *Store) findAny(ctx context.Context, tx *txn, id string, ev *event) (*row, error) {
	r, err := s.findCached(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	ev.resource = r.sec.ARN
	return r, nil
}

// findLive is findAny for operations that refuse a secret scheduled for
// deletion.
func (s *Store) findLive(ctx context.Context, tx *txn, id string, ev *event) (*row, error) {
	r, err := s.findAny(ctx, tx, id, ev)
	if err == nil && r.sec.Deleted() {
		return nil, markedForDeletion()
	}
	return r, err
}

func markedForDeletion() error {
	e := *errMarkedForDeletion
	return &e
}

// newValue turns a request's SecretString/SecretBinary into a Value; ok is
// false when the request carries neither.
func newValue(str *string, bin []byte) (v secret.Value, ok bool, err error) {
	switch {
	case str != nil && bin != nil:
		return v, false, secret.Errorf(secret.CodeInvalidParameter, "You can't specify both SecretString and SecretBinary in the same request.")
	case str != nil:
		v = secret.StringValue(*str)
	case bin != nil:
		v = secret.BinaryValue(bin)
	default:
		return v, false, nil
	}
	return v, true, v.Validate()
}

func versionIDFor(token string) (string, error) {
	if token == "" {
		return secret.NewVersionID(), nil
	}
	return token, secret.ValidateToken(token)
}

// CreateSecret implements store.Store.
func (s *Store) CreateSecret(ctx context.Context, in *store.CreateSecretInput) (*store.CreateSecretOutput, error) {
	var out *store.CreateSecretOutput
	err := s.call(ctx, "CreateSecret", in.Name, func(tx *txn, ev *event) error {
		if err := secret.ValidateName(in.Name); err != nil {
			return err
		}
		if err := secret.ValidateDescription(in.Description); err != nil {
			return err
		}
		if err := secret.ValidateTags(in.Tags); err != nil {
			return err
		}
		if len(in.Tags) > secret.MaxTags {
			return secret.Errorf(secret.CodeLimitExceeded, "A secret can't have more than %d tags.", secret.MaxTags)
		}
		val, hasValue, err := newValue(in.SecretString, in.SecretBinary)
		if err != nil {
			return err
		}
		vid := ""
		if hasValue {
			if vid, err = versionIDFor(in.ClientRequestToken); err != nil {
				return err
			}
		} else if in.ClientRequestToken != "" {
			if err := secret.ValidateToken(in.ClientRequestToken); err != nil {
				return err
			}
		}
		if existing, err := s.find(ctx, tx, in.Name); err == nil {
			ev.resource = existing.sec.ARN
			if existing.sec.Deleted() {
				return secret.Errorf(secret.CodeInvalidRequest, "You can't create this secret because a secret with this name is already scheduled for deletion.")
			}
			// A repeated request with the same token and value is a no-op.
			if hasValue && in.ClientRequestToken != "" && existing.sec.Version(vid) != nil {
				have, err := s.readValue(ctx, tx, existing, vid)
				if err != nil {
					return err
				}
				if have.Equal(val) {
					ev.versionID = vid
					out = &store.CreateSecretOutput{ARN: existing.sec.ARN, Name: existing.sec.Name, VersionId: vid}
					return nil
				}
			}
			return secret.Errorf(secret.CodeResourceExists, "The operation failed because the secret %s already exists.", in.Name)
		} else if !secret.IsCode(err, secret.CodeResourceNotFound) {
			return err
		}
		now := s.opts.Now().UTC()
		arn := secret.NewARN(s.opts.Partition, s.opts.Region, s.opts.Account, in.Name).String()
		ev.resource = arn
		tags, _ := json.Marshal(tagsOrEmpty(in.Tags))
		res, err := tx.ExecContext(ctx, `INSERT INTO secrets (arn, name, description, kms_key_id, tags, created_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			arn, in.Name, in.Description, in.KmsKeyId, string(tags), micros(now), micros(now))
		if err != nil {
			return internal("insert secret", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return internal("insert secret", err)
		}
		r := &row{id: id, sec: &secret.Secret{ARN: arn, Name: in.Name}, stages: map[string]string{}}
		out = &store.CreateSecretOutput{ARN: arn, Name: in.Name}
		if hasValue {
			v, err := r.sec.AddVersion(vid, nil, now)
			if err != nil {
				return err
			}
			if err := s.insertVersion(ctx, tx, r, v, val); err != nil {
				return err
			}
			ev.versionID = vid
			out.VersionId = vid
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetSecretValue implements store.Store.
func (s *Store) GetSecretValue(ctx context.Context, in *store.GetSecretValueInput) (*store.GetSecretValueOutput, error) {
	var out *store.GetSecretValueOutput
	err := s.read(ctx, "GetSecretValue", in.SecretId, func(tx *txn, ev *event) (*accessTouch, error) {
		r, err := s.findLive(ctx, tx, in.SecretId, ev)
		if err != nil {
			return nil, err
		}
		v, err := r.sec.Resolve(in.VersionId, in.VersionStage)
		if err != nil {
			return nil, err
		}
		ev.versionID = v.ID
		val, err := s.readValue(ctx, tx, r, v.ID)
		if err != nil {
			return nil, err
		}
		out = &store.GetSecretValueOutput{
			ARN: r.sec.ARN, Name: r.sec.Name, VersionId: v.ID,
			VersionStages: slices.Clone(stagesOrEmpty(v.Stages)), CreatedDate: v.CreatedDate,
		}
		if val.IsBinary {
			out.SecretBinary = val.Binary
		} else {
			str := val.String
			out.SecretString = &str
		}
		return s.accessed(r, v), nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// accessed returns the last-accessed update a read of version v needs:
// Secrets Manager keeps the day of the last access, so one write a day.
func (s *Store) accessed(r *row, v *secret.Version) *accessTouch {
	day := s.opts.Now().UTC().Truncate(24 * time.Hour)
	if r.sec.LastAccessedDate.Equal(day) && v.LastAccessedDate.Equal(day) {
		return nil
	}
	return &accessTouch{secretID: r.id, versionID: v.ID, day: micros(day)}
}

// PutSecretValue implements store.Store.
func (s *Store) PutSecretValue(ctx context.Context, in *store.PutSecretValueInput) (*store.PutSecretValueOutput, error) {
	var out *store.PutSecretValueOutput
	err := s.call(ctx, "PutSecretValue", in.SecretId, func(tx *txn, ev *event) error {
		val, hasValue, err := newValue(in.SecretString, in.SecretBinary)
		if err != nil {
			return err
		}
		if !hasValue {
			return secret.Errorf(secret.CodeInvalidParameter, "You must provide either SecretString or SecretBinary.")
		}
		vid, err := versionIDFor(in.ClientRequestToken)
		if err != nil {
			return err
		}
		if err := secret.ValidateStages(in.VersionStages); err != nil {
			return err
		}
		r, err := s.findAny(ctx, tx, in.SecretId, ev)
		if err != nil {
			return err
		}
		ev.versionID = vid
		if r.sec.Deleted() {
			return markedForDeletion()
		}
		v, err := s.putValue(ctx, tx, r, vid, in.VersionStages, val)
		if err != nil {
			return err
		}
		out = &store.PutSecretValueOutput{ARN: r.sec.ARN, Name: r.sec.Name, VersionId: v.ID, VersionStages: slices.Clone(stagesOrEmpty(v.Stages))}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// putValue adds a version, or returns the existing one when the token was
// used before with the same value.
func (s *Store) putValue(ctx context.Context, tx *txn, r *row, vid string, stages []string, val secret.Value) (*secret.Version, error) {
	if old := r.sec.Version(vid); old != nil {
		have, err := s.readValue(ctx, tx, r, vid)
		if err != nil {
			return nil, err
		}
		if !have.Equal(val) {
			return nil, secret.Errorf(secret.CodeResourceExists, "You can't modify an existing version, you can only create a new version.")
		}
		return old, nil
	}
	now := s.opts.Now().UTC()
	v, err := r.sec.AddVersion(vid, stages, now)
	if err != nil {
		return nil, err
	}
	r.sec.PruneDeprecated(secret.MaxDeprecated)
	if err := s.insertVersion(ctx, tx, r, v, val); err != nil {
		return nil, err
	}
	if err := s.saveVersions(ctx, tx, r); err != nil {
		return nil, err
	}
	return v, s.touchChanged(ctx, tx, r, now)
}

// UpdateSecret implements store.Store.
func (s *Store) UpdateSecret(ctx context.Context, in *store.UpdateSecretInput) (*store.UpdateSecretOutput, error) {
	var out *store.UpdateSecretOutput
	err := s.call(ctx, "UpdateSecret", in.SecretId, func(tx *txn, ev *event) error {
		val, hasValue, err := newValue(in.SecretString, in.SecretBinary)
		if err != nil {
			return err
		}
		if in.Description != nil {
			if err := secret.ValidateDescription(*in.Description); err != nil {
				return err
			}
		}
		vid := ""
		if hasValue {
			if vid, err = versionIDFor(in.ClientRequestToken); err != nil {
				return err
			}
		}
		r, err := s.findLive(ctx, tx, in.SecretId, ev)
		if err != nil {
			return err
		}
		now := s.opts.Now().UTC()
		if in.Description != nil || in.KmsKeyId != nil {
			desc, kms := r.sec.Description, r.sec.KMSKeyID
			if in.Description != nil {
				desc = *in.Description
			}
			if in.KmsKeyId != nil {
				kms = *in.KmsKeyId
			}
			if _, err := tx.ExecContext(ctx, `UPDATE secrets SET description = ?, kms_key_id = ?, changed_at = ? WHERE id = ?`, desc, kms, micros(now), r.id); err != nil {
				return internal("update secret", err)
			}
		}
		out = &store.UpdateSecretOutput{ARN: r.sec.ARN, Name: r.sec.Name}
		if hasValue {
			v, err := s.putValue(ctx, tx, r, vid, nil, val)
			if err != nil {
				return err
			}
			ev.versionID = v.ID
			out.VersionId = v.ID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateSecretVersionStage implements store.Store.
func (s *Store) UpdateSecretVersionStage(ctx context.Context, in *store.UpdateSecretVersionStageInput) (*store.UpdateSecretVersionStageOutput, error) {
	var out *store.UpdateSecretVersionStageOutput
	err := s.call(ctx, "UpdateSecretVersionStage", in.SecretId, func(tx *txn, ev *event) error {
		r, err := s.findAny(ctx, tx, in.SecretId, ev)
		if err != nil {
			return err
		}
		ev.versionID = in.MoveToVersionId
		if r.sec.Deleted() {
			return markedForDeletion()
		}
		if err := r.sec.UpdateStage(in.VersionStage, in.RemoveFromVersionId, in.MoveToVersionId); err != nil {
			return err
		}
		r.sec.PruneDeprecated(secret.MaxDeprecated)
		if err := s.saveVersions(ctx, tx, r); err != nil {
			return err
		}
		out = &store.UpdateSecretVersionStageOutput{ARN: r.sec.ARN, Name: r.sec.Name}
		return s.touchChanged(ctx, tx, r, s.opts.Now().UTC())
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeSecret implements store.Store.
func (s *Store) DescribeSecret(ctx context.Context, in *store.DescribeSecretInput) (*store.DescribeSecretOutput, error) {
	var out *store.DescribeSecretOutput
	err := s.read(ctx, "DescribeSecret", in.SecretId, func(tx *txn, ev *event) (*accessTouch, error) {
		r, err := s.findAny(ctx, tx, in.SecretId, ev)
		if err != nil {
			return nil, err
		}
		e := listEntry(r.sec)
		out = &store.DescribeSecretOutput{
			ARN: e.ARN, Name: e.Name, Description: e.Description, KmsKeyId: e.KmsKeyId,
			CreatedDate: e.CreatedDate, LastChangedDate: e.LastChangedDate, LastAccessedDate: e.LastAccessedDate,
			DeletedDate: e.DeletedDate, Tags: e.Tags, VersionIdsToStages: e.SecretVersionsToStages,
		}
		out.RotationEnabled, out.RotationLambdaARN, out.RotationRules = e.RotationEnabled, e.RotationLambdaARN, e.RotationRules
		out.LastRotatedDate, out.NextRotationDate = e.LastRotatedDate, e.NextRotationDate
		out.LastRotationFailure = r.rotationFailure
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func listEntry(sec *secret.Secret) store.SecretListEntry {
	e := store.SecretListEntry{
		ARN: sec.ARN, Name: sec.Name, Description: sec.Description, KmsKeyId: sec.KMSKeyID,
		CreatedDate: sec.CreatedDate, LastChangedDate: sec.LastChangedDate,
		LastAccessedDate: timePtr(sec.LastAccessedDate), DeletedDate: timePtr(sec.DeletedDate),
		Tags: slices.Clone(sec.Tags),
	}
	// A rotation run on demand (dbwarden rotate) dates the secret even
	// when no schedule is configured.
	e.LastRotatedDate = timePtr(sec.Rotation.LastRotated)
	if rot := sec.Rotation; rot.Rotator != "" {
		e.RotationEnabled = rot.Enabled
		e.RotationLambdaARN = rot.Rotator
		rules := rot.Rules
		e.RotationRules = &rules
		if rot.Enabled {
			e.NextRotationDate = timePtr(rot.NextDue)
		}
	}
	for _, v := range sec.Versions {
		if v.Deprecated() {
			continue
		}
		if e.SecretVersionsToStages == nil {
			e.SecretVersionsToStages = map[string][]string{}
		}
		e.SecretVersionsToStages[v.ID] = slices.Clone(v.Stages)
	}
	return e
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ListSecrets implements store.Store.
func (s *Store) ListSecrets(ctx context.Context, in *store.ListSecretsInput) (*store.ListSecretsOutput, error) {
	var out *store.ListSecretsOutput
	err := s.read(ctx, "ListSecrets", "", noTouch(func(tx *txn, ev *event) error {
		if err := store.ValidateFilters(in.Filters); err != nil {
			return err
		}
		limit, err := pageSize(in.MaxResults)
		if err != nil {
			return err
		}
		offset, err := decodeToken(in.NextToken)
		if err != nil {
			return err
		}
		order := "ASC"
		switch strings.ToLower(in.SortOrder) {
		case "", "asc":
		case "desc":
			order = "DESC"
		default:
			return secret.Errorf(secret.CodeInvalidParameter, "Invalid SortOrder %q: use asc or desc.", in.SortOrder)
		}
		where := ""
		if !in.IncludePlannedDeletion {
			where = "WHERE deleted_at = 0"
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+secretColumns+` FROM secrets `+where+` ORDER BY created_at `+order+`, id `+order)
		if err != nil {
			return internal("list secrets", err)
		}
		var all []*row
		for rows.Next() {
			r, err := s.scanSecret(rows)
			if err != nil {
				rows.Close()
				return internal("list secrets", err)
			}
			all = append(all, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return internal("list secrets", err)
		}
		out = &store.ListSecretsOutput{SecretList: []store.SecretListEntry{}}
		matched := 0
		for _, r := range all {
			e := listEntry(r.sec)
			if !store.MatchFilters(&e, in.Filters) {
				continue
			}
			matched++
			if matched <= offset {
				continue
			}
			if len(out.SecretList) == limit {
				out.NextToken = encodeToken(offset + limit)
				break
			}
			if _, err := s.withVersions(ctx, tx, r, nil); err != nil {
				return err
			}
			out.SecretList = append(out.SecretList, listEntry(r.sec))
		}
		return nil
	}))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListSecretVersionIds implements store.Store.
func (s *Store) ListSecretVersionIds(ctx context.Context, in *store.ListSecretVersionIdsInput) (*store.ListSecretVersionIdsOutput, error) {
	var out *store.ListSecretVersionIdsOutput
	err := s.read(ctx, "ListSecretVersionIds", in.SecretId, noTouch(func(tx *txn, ev *event) error {
		limit, err := pageSize(in.MaxResults)
		if err != nil {
			return err
		}
		offset, err := decodeToken(in.NextToken)
		if err != nil {
			return err
		}
		r, err := s.findAny(ctx, tx, in.SecretId, ev)
		if err != nil {
			return err
		}
		out = &store.ListSecretVersionIdsOutput{ARN: r.sec.ARN, Name: r.sec.Name, Versions: []store.VersionEntry{}}
		n := 0
		// Newest first, as Secrets Manager lists them.
		for i := len(r.sec.Versions) - 1; i >= 0; i-- {
			v := r.sec.Versions[i]
			if v.Deprecated() && !in.IncludeDeprecated {
				continue
			}
			n++
			if n <= offset {
				continue
			}
			if len(out.Versions) == limit {
				out.NextToken = encodeToken(offset + limit)
				break
			}
			out.Versions = append(out.Versions, store.VersionEntry{
				VersionId: v.ID, VersionStages: slices.Clone(v.Stages),
				CreatedDate: v.CreatedDate, LastAccessedDate: timePtr(v.LastAccessedDate),
			})
		}
		return nil
	}))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteSecret implements store.Store.
func (s *Store) DeleteSecret(ctx context.Context, in *store.DeleteSecretInput) (*store.DeleteSecretOutput, error) {
	var out *store.DeleteSecretOutput
	err := s.call(ctx, "DeleteSecret", in.SecretId, func(tx *txn, ev *event) error {
		if in.ForceDeleteWithoutRecovery && in.RecoveryWindowInDays != 0 {
			return secret.Errorf(secret.CodeInvalidParameter, "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
		}
		days := in.RecoveryWindowInDays
		if days == 0 {
			days = secret.DefaultRecoveryDays
		}
		if days < secret.MinRecoveryDays || days > secret.MaxRecoveryDays {
			return secret.Errorf(secret.CodeInvalidParameter, "The RecoveryWindowInDays value must be between %d and %d days (inclusive).", secret.MinRecoveryDays, secret.MaxRecoveryDays)
		}
		r, err := s.findAny(ctx, tx, in.SecretId, ev)
		if err != nil {
			return err
		}
		now := s.opts.Now().UTC()
		if in.ForceDeleteWithoutRecovery {
			if _, err := tx.ExecContext(ctx, `DELETE FROM secrets WHERE id = ?`, r.id); err != nil {
				return internal("delete secret", err)
			}
			out = &store.DeleteSecretOutput{ARN: r.sec.ARN, Name: r.sec.Name, DeletionDate: now}
			return nil
		}
		if r.sec.Deleted() {
			return secret.Errorf(secret.CodeInvalidRequest, "You can't delete secret %s because it is already scheduled for deletion.", r.sec.Name)
		}
		deletion := fromMicros(micros(now.Add(time.Duration(days) * 24 * time.Hour)))
		if _, err := tx.ExecContext(ctx, `UPDATE secrets SET deleted_at = ?, deletion_at = ? WHERE id = ?`, micros(now), micros(deletion), r.id); err != nil {
			return internal("delete secret", err)
		}
		out = &store.DeleteSecretOutput{ARN: r.sec.ARN, Name: r.sec.Name, DeletionDate: deletion}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RestoreSecret implements store.Store.
func (s *Store) RestoreSecret(ctx context.Context, in *store.RestoreSecretInput) (*store.RestoreSecretOutput, error) {
	var out *store.RestoreSecretOutput
	err := s.call(ctx, "RestoreSecret", in.SecretId, func(tx *txn, ev *event) error {
		r, err := s.findAny(ctx, tx, in.SecretId, ev)
		if err != nil {
			return err
		}
		if r.sec.Deleted() {
			if _, err := tx.ExecContext(ctx, `UPDATE secrets SET deleted_at = 0, deletion_at = 0, changed_at = ? WHERE id = ?`, micros(s.opts.Now()), r.id); err != nil {
				return internal("restore secret", err)
			}
		}
		out = &store.RestoreSecretOutput{ARN: r.sec.ARN, Name: r.sec.Name}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// TagResource implements store.Store.
func (s *Store) TagResource(ctx context.Context, in *store.TagResourceInput) error {
	return s.call(ctx, "TagResource", in.SecretId, func(tx *txn, ev *event) error {
		r, err := s.findLive(ctx, tx, in.SecretId, ev)
		if err != nil {
			return err
		}
		tags, err := secret.MergeTags(r.sec.Tags, in.Tags)
		if err != nil {
			return err
		}
		return s.saveTags(ctx, tx, r, tags)
	})
}

// UntagResource implements store.Store.
func (s *Store) UntagResource(ctx context.Context, in *store.UntagResourceInput) error {
	return s.call(ctx, "UntagResource", in.SecretId, func(tx *txn, ev *event) error {
		r, err := s.findLive(ctx, tx, in.SecretId, ev)
		if err != nil {
			return err
		}
		return s.saveTags(ctx, tx, r, secret.RemoveTags(r.sec.Tags, in.TagKeys))
	})
}

func (s *Store) saveTags(ctx context.Context, tx *txn, r *row, tags []secret.Tag) error {
	b, _ := json.Marshal(tagsOrEmpty(tags))
	if _, err := tx.ExecContext(ctx, `UPDATE secrets SET tags = ?, changed_at = ? WHERE id = ?`, string(b), micros(s.opts.Now()), r.id); err != nil {
		return internal("update tags", err)
	}
	return nil
}

// Purge implements store.Store.
func (s *Store) Purge(ctx context.Context, now time.Time) ([]string, error) {
	var purged []string
	err := s.call(ctx, "dbwarden:PurgeDeletedSecrets", "", func(tx *txn, ev *event) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, arn FROM secrets WHERE deleted_at <> 0 AND deletion_at <= ?`, micros(now))
		if err != nil {
			return internal("purge", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			var arn string
			if err := rows.Scan(&id, &arn); err != nil {
				rows.Close()
				return internal("purge", err)
			}
			ids = append(ids, id)
			purged = append(purged, arn)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return internal("purge", err)
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM secrets WHERE id = ?`, id); err != nil {
				return internal("purge", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return purged, nil
}

func tagsOrEmpty(t []secret.Tag) []secret.Tag {
	if t == nil {
		return []secret.Tag{}
	}
	return t
}

func pageSize(n int) (int, error) {
	if n == 0 {
		return store.MaxResults, nil
	}
	if n < 1 || n > store.MaxResults {
		return 0, secret.Errorf(secret.CodeInvalidParameter, "Invalid MaxResults %d: it must be between 1 and %d.", n, store.MaxResults)
	}
	return n, nil
}

// Page tokens are opaque to callers: an offset into the filtered listing.
func encodeToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func decodeToken(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err == nil && strings.HasPrefix(string(b), "o:") {
		if n, err := strconv.Atoi(string(b[2:])); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, secret.Errorf(secret.CodeInvalidNextToken, "The NextToken value is invalid.")
}

// noTouch adapts a read that never updates a last-accessed date.
func noTouch(fn func(tx *txn, ev *event) error) func(tx *txn, ev *event) (*accessTouch, error) {
	return func(tx *txn, ev *event) (*accessTouch, error) { return nil, fn(tx, ev) }
}
