package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

type batchGetInput struct {
	SecretIdList []string
	Filters      []store.Filter
	MaxResults   int
	NextToken    string
}

type batchError struct {
	SecretId  string `json:"SecretId"`
	ErrorCode string `json:"ErrorCode"`
	Message   string `json:"Message"`
}

type batchGetOutput struct {
	SecretValues []*store.GetSecretValueOutput `json:"SecretValues"`
	Errors       []batchError                  `json:"Errors"`
	NextToken    string                        `json:"NextToken,omitempty"`
}

// batchGet is BatchGetSecretValue: the AWSCURRENT value of each secret
// named or matched by filters. Each read is authorized as a GetSecretValue
// of that secret and audited by the store; a secret that cannot be read is
// reported in Errors, not as a failure of the whole call.
func (s *Server) batchGet(ctx context.Context, r *http.Request, id Identity, body []byte) (any, error) {
	in := new(batchGetInput)
	if err := decode(body, in); err != nil {
		return nil, err
	}
	if (len(in.SecretIdList) == 0) == (len(in.Filters) == 0) {
		return nil, secret.Errorf(secret.CodeInvalidParameter, "Specify either SecretIdList or Filters, but not both.")
	}
	if len(in.SecretIdList) > 20 {
		return nil, secret.Errorf(secret.CodeInvalidParameter, "SecretIdList can hold at most 20 secret ids.")
	}
	if len(in.SecretIdList) > 0 && (in.MaxResults != 0 || in.NextToken != "") {
		return nil, secret.Errorf(secret.CodeInvalidParameter, "MaxResults and NextToken go with Filters only.")
	}
	ids := in.SecretIdList
	out := &batchGetOutput{SecretValues: []*store.GetSecretValueOutput{}, Errors: []batchError{}}
	if len(in.Filters) > 0 {
		max := in.MaxResults
		if max == 0 {
			max = 20
		}
		l, err := s.cfg.Store.ListSecrets(ctx, &store.ListSecretsInput{Filters: in.Filters, MaxResults: max, NextToken: in.NextToken})
		if err != nil {
			return nil, err
		}
		for _, e := range l.SecretList {
			ids = append(ids, e.ARN)
		}
		out.NextToken = l.NextToken
	}
	for _, sid := range ids {
		getBody := []byte(`{"SecretId":` + quote(sid) + `}`)
		authorizer, notFound, _ := s.authorize(r, id, "GetSecretValue", getBody)
		asked := false
		gctx := store.WithAuthorizer(ctx, func(f store.SecretFacts) error {
			asked = true
			return authorizer(f)
		})
		v, err := s.cfg.Store.GetSecretValue(gctx, &store.GetSecretValueInput{SecretId: sid})
		if err != nil {
			e := toAPIError(err)
			if !asked && secret.IsCode(err, secret.CodeResourceNotFound) {
				if d := notFound(); d != nil {
					e = d
				}
			}
			out.Errors = append(out.Errors, batchError{sid, e.code, e.message})
			continue
		}
		out.SecretValues = append(out.SecretValues, v)
	}
	return out, nil
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
