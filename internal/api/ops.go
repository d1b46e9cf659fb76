package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

// handler decodes one operation's request, runs it and returns its
// response.
type handler func(ctx context.Context, s *Server, body []byte) (any, error)

// allOps lists every Secrets Manager operation, supported or not, so that
// an operation dbwarden lacks is told apart from one that does not exist.
var allOps = []string{
	"BatchGetSecretValue", "CancelRotateSecret", "CreateSecret", "DeleteResourcePolicy", "DeleteSecret",
	"DescribeSecret", "GetRandomPassword", "GetResourcePolicy", "GetSecretValue", "ListSecretVersionIds",
	"ListSecrets", "PutResourcePolicy", "PutSecretValue", "RemoveRegionsFromReplication",
	"ReplicateSecretToRegions", "RestoreSecret", "RotateSecret", "StopReplicationToReplica", "TagResource",
	"UntagResource", "UpdateSecret", "UpdateSecretVersionStage", "ValidateResourcePolicy",
}

func knownOp(op string) bool {
	for _, o := range allOps {
		if o == op {
			return true
		}
	}
	return false
}

// call decodes the request into In and runs fn.
func call[In any, Out any](fn func(store.Store, context.Context, *In) (Out, error)) handler {
	return func(ctx context.Context, s *Server, body []byte) (any, error) {
		in := new(In)
		if err := decode(body, in); err != nil {
			return nil, err
		}
		return fn(s.cfg.Store, ctx, in)
	}
}

// empty is the response of operations that return nothing.
type empty struct{}

var handlers = map[string]handler{
	"CreateSecret":             call(store.Store.CreateSecret),
	"GetSecretValue":           call(store.Store.GetSecretValue),
	"PutSecretValue":           call(store.Store.PutSecretValue),
	"UpdateSecret":             call(store.Store.UpdateSecret),
	"UpdateSecretVersionStage": call(store.Store.UpdateSecretVersionStage),
	"DescribeSecret":           call(store.Store.DescribeSecret),
	"ListSecrets":              call(store.Store.ListSecrets),
	"ListSecretVersionIds":     call(store.Store.ListSecretVersionIds),
	"DeleteSecret":             call(store.Store.DeleteSecret),
	"RestoreSecret":            call(store.Store.RestoreSecret),
	"TagResource": call(func(st store.Store, ctx context.Context, in *store.TagResourceInput) (empty, error) {
		return empty{}, st.TagResource(ctx, in)
	}),
	"UntagResource": call(func(st store.Store, ctx context.Context, in *store.UntagResourceInput) (empty, error) {
		return empty{}, st.UntagResource(ctx, in)
	}),
	"GetRandomPassword": call(func(_ store.Store, _ context.Context, in *randomPasswordInput) (map[string]string, error) {
		spec := secret.PasswordSpec{
			Length: secret.DefaultPasswordLength, ExcludeCharacters: in.ExcludeCharacters,
			ExcludeNumbers: in.ExcludeNumbers, ExcludePunctuation: in.ExcludePunctuation,
			ExcludeUppercase: in.ExcludeUppercase, ExcludeLowercase: in.ExcludeLowercase,
			IncludeSpace: in.IncludeSpace, RequireEachIncludedType: in.RequireEachIncludedType,
		}
		if in.PasswordLength != nil {
			if *in.PasswordLength < 1 {
				return nil, secret.Errorf(secret.CodeInvalidParameter, "Invalid PasswordLength %d: it must be between 1 and %d.", *in.PasswordLength, secret.MaxPasswordLength)
			}
			spec.Length = *in.PasswordLength
		}
		p, err := secret.GeneratePassword(spec)
		if err != nil {
			return nil, err
		}
		return map[string]string{"RandomPassword": p}, nil
	}),
}

type randomPasswordInput struct {
	PasswordLength          *int
	ExcludeCharacters       string
	ExcludeNumbers          bool
	ExcludePunctuation      bool
	ExcludeUppercase        bool
	ExcludeLowercase        bool
	IncludeSpace            bool
	RequireEachIncludedType *bool
}

// decode reads a request body strictly enough to name what is wrong.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errSerialization(fmt.Sprintf("Start of structure or map found where not expected, or a value of the wrong type for %s.", te.Field))
		}
		return errSerialization("The request body is not valid JSON.")
	}
	if dec.More() {
		return errSerialization("The request body holds more than one JSON value.")
	}
	return nil
}

// getValueWire is GetSecretValue's response on the wire, encoded directly:
// it is the hot path.
type getValueWire struct {
	ARN           string      `json:"ARN"`
	Name          string      `json:"Name"`
	VersionId     string      `json:"VersionId"`
	SecretString  *string     `json:"SecretString,omitempty"`
	SecretBinary  []byte      `json:"SecretBinary,omitempty"`
	VersionStages []string    `json:"VersionStages"`
	CreatedDate   json.Number `json:"CreatedDate"`
}

func epochNumber(t time.Time) json.Number {
	return json.Number(fmt.Sprintf("%.3f", float64(t.UnixMilli())/1000))
}

// wireJSON encodes a response with AWS's JSON conventions: timestamps as
// seconds since the epoch.
func wireJSON(out any) ([]byte, error) {
	if g, ok := out.(*store.GetSecretValueOutput); ok {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		err := enc.Encode(getValueWire{g.ARN, g.Name, g.VersionId, g.SecretString, g.SecretBinary, g.VersionStages, epochNumber(g.CreatedDate)})
		return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var g any
	if err := dec.Decode(&g); err != nil {
		return nil, err
	}
	epochs(g)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err = enc.Encode(g)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

// epochs turns every "...Date" string holding an RFC 3339 time into
// seconds since the epoch, in place.
func epochs(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && strings.HasSuffix(k, "Date") {
				if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
					x[k] = epochNumber(t)
				}
				continue
			}
			epochs(e)
		}
	case []any:
		for _, e := range x {
			epochs(e)
		}
	}
}
