package secret

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Staging labels with a meaning of their own.
const (
	StageCurrent  = "AWSCURRENT"
	StagePending  = "AWSPENDING"
	StagePrevious = "AWSPREVIOUS"
)

// Tag is a key-value pair attached to a secret.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Version is the metadata of one version of a secret; its value is kept by
// the store, encrypted.
type Version struct {
	ID               string
	Stages           []string
	CreatedDate      time.Time
	LastAccessedDate time.Time
}

// Deprecated reports whether the version has lost all its staging labels.
func (v *Version) Deprecated() bool { return len(v.Stages) == 0 }

// HasStage reports whether the version carries the staging label.
func (v *Version) HasStage(label string) bool { return slices.Contains(v.Stages, label) }

// Secret is a secret's metadata and its versions, oldest first.
type Secret struct {
	ARN              string
	Name             string
	Description      string
	KMSKeyID         string
	Tags             []Tag
	CreatedDate      time.Time
	LastChangedDate  time.Time
	LastAccessedDate time.Time
	// DeletedDate is set while the secret is scheduled for deletion, and
	// holds the date the deletion was requested.
	DeletedDate time.Time
	// DeletionDate is when a secret scheduled for deletion may be purged.
	DeletionDate time.Time
	Rotation     Rotation
	Versions     []*Version
}

// Deleted reports whether the secret is scheduled for deletion.
func (s *Secret) Deleted() bool { return !s.DeletedDate.IsZero() }

// Version returns the version with the given id, or nil.
func (s *Secret) Version(id string) *Version {
	for _, v := range s.Versions {
		if v.ID == id {
			return v
		}
	}
	return nil
}

// VersionWithStage returns the version that carries the staging label, or nil.
func (s *Secret) VersionWithStage(label string) *Version {
	for _, v := range s.Versions {
		if v.HasStage(label) {
			return v
		}
	}
	return nil
}

// Resolve finds the version a read asks for: by id, by staging label, or
// both (they must agree), and AWSCURRENT when neither is given.
func (s *Secret) Resolve(versionID, stage string) (*Version, error) {
	if versionID == "" && stage == "" {
		stage = StageCurrent
	}
	var v *Version
	if versionID != "" {
		v = s.Version(versionID)
		if v == nil {
			return nil, Errorf(CodeResourceNotFound, "Secrets Manager can't find the specified secret value for VersionId: %s", versionID)
		}
		if stage != "" && !v.HasStage(stage) {
			return nil, Errorf(CodeInvalidParameter, "You provided a VersionStage that is not associated to the provided VersionId.")
		}
		return v, nil
	}
	v = s.VersionWithStage(stage)
	if v == nil {
		return nil, Errorf(CodeResourceNotFound, "Secrets Manager can't find the specified secret value for staging label: %s", stage)
	}
	return v, nil
}

// AddVersion adds a new version carrying the given staging labels (AWSCURRENT
// when none are given, and also when no version holds AWSCURRENT yet). Each label moves from the version that held it;
// when AWSCURRENT moves, AWSPREVIOUS moves to the version that held it.
func (s *Secret) AddVersion(id string, stages []string, now time.Time) (*Version, error) {
	if s.Version(id) != nil {
		return nil, Errorf(CodeResourceExists, "A version with the ClientRequestToken %s already exists.", id)
	}
	if len(stages) == 0 {
		stages = []string{StageCurrent}
	}
	if err := ValidateStages(stages); err != nil {
		return nil, err
	}
	// The first version of a secret is AWSCURRENT whatever else it is.
	if s.VersionWithStage(StageCurrent) == nil && !slices.Contains(stages, StageCurrent) {
		stages = append(slices.Clone(stages), StageCurrent)
		if len(dedupe(stages)) > MaxStagesPerVersion {
			return nil, Errorf(CodeLimitExceeded, "A version can't have more than %d staging labels, and the first version of a secret also gets AWSCURRENT.", MaxStagesPerVersion)
		}
	}
	v := &Version{ID: id, CreatedDate: now}
	s.Versions = append(s.Versions, v)
	for _, label := range dedupe(stages) {
		s.attach(label, v)
	}
	return v, nil
}

// attach moves label to v from whichever version holds it.
func (s *Secret) attach(label string, v *Version) {
	if v.HasStage(label) {
		return
	}
	old := s.VersionWithStage(label)
	if old != nil {
		old.Stages = remove(old.Stages, label)
	}
	v.Stages = append(v.Stages, label)
	if label == StageCurrent && old != nil {
		if prev := s.VersionWithStage(StagePrevious); prev != nil {
			prev.Stages = remove(prev.Stages, StagePrevious)
		}
		if !old.HasStage(StagePrevious) {
			old.Stages = append(old.Stages, StagePrevious)
		}
		// A version that becomes AWSCURRENT stops being AWSPREVIOUS.
		v.Stages = remove(v.Stages, StagePrevious)
	}
}

// UpdateStage is UpdateSecretVersionStage: it attaches label to moveTo,
// removes it from removeFrom, or both. When the label is attached to a version
// other than moveTo, removeFrom must name that version.
func (s *Secret) UpdateStage(label, removeFrom, moveTo string) error {
	if err := ValidateStages([]string{label}); err != nil {
		return err
	}
	if removeFrom == "" && moveTo == "" {
		return Errorf(CodeInvalidParameter, "You must specify either RemoveFromVersionId or MoveToVersionId.")
	}
	holder := s.VersionWithStage(label)
	var from, to *Version
	if removeFrom != "" {
		from = s.Version(removeFrom)
		if from == nil {
			return Errorf(CodeResourceNotFound, "Secrets Manager can't find the specified secret version: %s", removeFrom)
		}
		if !from.HasStage(label) {
			return Errorf(CodeInvalidParameter, "The staging label %s is not attached to version %s.", label, removeFrom)
		}
	}
	if moveTo != "" {
		to = s.Version(moveTo)
		if to == nil {
			return Errorf(CodeResourceNotFound, "Secrets Manager can't find the specified secret version: %s", moveTo)
		}
	}
	if to == nil {
		if label == StageCurrent {
			return Errorf(CodeInvalidParameter, "You can't remove the staging label AWSCURRENT from a version without moving it to another version: specify MoveToVersionId.")
		}
		from.Stages = remove(from.Stages, label)
		return nil
	}
	if holder != nil && holder != to && holder != from {
		return Errorf(CodeInvalidParameter, "The parameter RemoveFromVersionId can't be empty. Staging label %s is currently attached to version %s, so you must explicitly reference that version in RemoveFromVersionId.", label, holder.ID)
	}
	if to.HasStage(label) {
		return nil
	}
	if len(to.Stages) >= MaxStagesPerVersion {
		return Errorf(CodeLimitExceeded, "A version can't have more than %d staging labels.", MaxStagesPerVersion)
	}
	s.attach(label, to)
	return nil
}

// PruneDeprecated removes the oldest deprecated versions beyond the newest
// keep of them, and returns the ids it removed.
func (s *Secret) PruneDeprecated(keep int) []string {
	n := 0
	for _, v := range s.Versions {
		if v.Deprecated() {
			n++
		}
	}
	if n <= keep {
		return nil
	}
	drop := n - keep
	var removed []string
	kept := s.Versions[:0]
	for _, v := range s.Versions { // oldest first
		if drop > 0 && v.Deprecated() {
			removed = append(removed, v.ID)
			drop--
			continue
		}
		kept = append(kept, v)
	}
	s.Versions = kept
	return removed
}

// ValidateStages checks staging labels: 1 to 256 characters each, at most 20.
func ValidateStages(stages []string) error {
	if len(stages) > MaxStagesPerVersion {
		return Errorf(CodeLimitExceeded, "A version can't have more than %d staging labels.", MaxStagesPerVersion)
	}
	for _, l := range stages {
		if l == "" || len(l) > MaxStageLength {
			return Errorf(CodeInvalidParameter, "Invalid VersionStage: a staging label must be between 1 and %d characters long.", MaxStageLength)
		}
	}
	return nil
}

// ValidateToken checks a ClientRequestToken: 32 to 64 characters.
func ValidateToken(token string) error {
	if len(token) < MinTokenLength || len(token) > MaxTokenLength {
		return Errorf(CodeInvalidParameter, "Invalid ClientRequestToken: it must be between %d and %d characters long.", MinTokenLength, MaxTokenLength)
	}
	return nil
}

// ValidateDescription checks a description's length.
func ValidateDescription(d string) error {
	if len(d) > MaxDescriptionLength {
		return Errorf(CodeInvalidParameter, "Invalid Description: it must be at most %d characters long.", MaxDescriptionLength)
	}
	return nil
}

// ValidateTags checks tags as Secrets Manager does: keys 1 to 128
// characters, values at most 256, no key starting with "aws:".
func ValidateTags(tags []Tag) error {
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > MaxTagKeyLength {
			return Errorf(CodeInvalidParameter, "Invalid tag key: it must be between 1 and %d characters long.", MaxTagKeyLength)
		}
		if len(t.Value) > MaxTagValueLength {
			return Errorf(CodeInvalidParameter, "Invalid tag value for key %q: it must be at most %d characters long.", t.Key, MaxTagValueLength)
		}
		if len(t.Key) >= 4 && (t.Key[:4] == "aws:") {
			return Errorf(CodeInvalidParameter, "Invalid tag key %q: the prefix aws: is reserved for AWS use.", t.Key)
		}
	}
	return nil
}

// MergeTags adds or replaces tags by key and checks the 50-tag limit.
func MergeTags(have, add []Tag) ([]Tag, error) {
	if err := ValidateTags(add); err != nil {
		return nil, err
	}
	out := slices.Clone(have)
	for _, t := range add {
		i := slices.IndexFunc(out, func(o Tag) bool { return o.Key == t.Key })
		if i >= 0 {
			out[i].Value = t.Value
		} else {
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, Errorf(CodeLimitExceeded, "A secret can't have more than %d tags.", MaxTags)
	}
	return out, nil
}

// RemoveTags removes the tags with the given keys; absent keys are ignored.
func RemoveTags(have []Tag, keys []string) []Tag {
	return slices.DeleteFunc(slices.Clone(have), func(t Tag) bool { return slices.Contains(keys, t.Key) })
}

// Value is a secret value: a SecretString or a SecretBinary. It prints
// redacted in every format, so it can't leak into logs or error text.
type Value struct {
	String   string
	Binary   []byte
	IsBinary bool
}

// StringValue returns a Value holding a SecretString.
func StringValue(s string) Value { return Value{String: s} }

// BinaryValue returns a Value holding a SecretBinary.
func BinaryValue(b []byte) Value { return Value{Binary: b, IsBinary: true} }

// Validate checks the value's size: 1 to 65,536 bytes.
func (v Value) Validate() error {
	n := len(v.String)
	if v.IsBinary {
		n = len(v.Binary)
	}
	if n == 0 {
		return Errorf(CodeInvalidParameter, "You must provide either SecretString or SecretBinary, and it must not be empty.")
	}
	if n > MaxValueBytes {
		return Errorf(CodeInvalidParameter, "The secret value is %d bytes; a SecretString or SecretBinary can be at most %d bytes.", n, MaxValueBytes)
	}
	return nil
}

// Equal reports, in constant time for equal lengths, whether two values are
// the same kind and bytes.
func (v Value) Equal(w Value) bool {
	if v.IsBinary != w.IsBinary {
		return false
	}
	if v.IsBinary {
		return subtle.ConstantTimeCompare(v.Binary, w.Binary) == 1
	}
	return subtle.ConstantTimeCompare([]byte(v.String), []byte(w.String)) == 1
}

// Encode returns the value's plaintext encoding for encryption: one kind
// byte ('s' or 'b') followed by the bytes.
func (v Value) Encode() []byte {
	if v.IsBinary {
		return append([]byte{'b'}, v.Binary...)
	}
	return append([]byte{'s'}, v.String...)
}

// DecodeValue reverses Encode.
func DecodeValue(p []byte) (Value, error) {
	if len(p) == 0 {
		return Value{}, fmt.Errorf("decode value: empty plaintext")
	}
	switch p[0] {
	case 's':
		return StringValue(string(p[1:])), nil
	case 'b':
		return BinaryValue(append([]byte(nil), p[1:]...)), nil
	}
	return Value{}, fmt.Errorf("decode value: unknown kind byte")
}

// Format implements fmt.Formatter so that every verb prints the value redacted.
func (v Value) Format(f fmt.State, verb rune) { fmt.Fprint(f, "[REDACTED]") }

// MarshalJSON implements json.Marshaler: a Value never leaves as JSON.
// Responses carry the value in their own fields, set on purpose.
func (v Value) MarshalJSON() ([]byte, error) { return []byte(`"[REDACTED]"`), nil }

// LogValue implements slog.LogValuer.
func (v Value) LogValue() slog.Value { return slog.StringValue("[REDACTED]") }

// NewVersionID returns a random UUID (version 4), the id Secrets Manager
// gives a version when the caller supplies no ClientRequestToken.
func NewVersionID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("secret: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func remove(list []string, s string) []string {
	return slices.DeleteFunc(list, func(x string) bool { return x == s })
}

func dedupe(list []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
