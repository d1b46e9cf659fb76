package api

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"

	"github.com/dbwarden/dbwarden/internal/authz"
	"github.com/dbwarden/dbwarden/internal/secret"
)

// SecretInfo tells authorization a secret's ARN, name and tags; ok is false
// when no secret has the id.
type SecretInfo func(ctx context.Context, id string) (arn, name string, tags map[string]string, ok bool, err error)

// authorize decides whether id may call op with this body, as IAM would:
// admins may do anything; other principals need an identity policy that
// allows the action on the secret, and none that denies it.
func (s *Server) authorize(r *http.Request, id Identity, op string, body []byte) *apiError {
	if id.Admin {
		return nil
	}
	var in struct {
		SecretId     string
		Name         string
		VersionStage string
	}
	json.Unmarshal(body, &in) // a malformed body is reported by the operation itself

	action := "secretsmanager:" + op
	resource := "*"
	ctxKeys := map[string][]string{
		"aws:principalarn":    {id.ARN},
		"aws:securetransport": {boolString(r.TLS != nil)},
	}
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ctxKeys["aws:sourceip"] = []string{ip}
	}
	if in.VersionStage != "" {
		ctxKeys["secretsmanager:versionstage"] = []string{in.VersionStage}
	}
	switch {
	case in.SecretId != "":
		resource = s.secretARN(in.SecretId)
		if s.cfg.Secrets != nil {
			arn, name, tags, ok, err := s.cfg.Secrets(r.Context(), in.SecretId)
			if err != nil {
				s.cfg.Logger.Error("authorize: look up secret", "error", err)
				return &apiError{500, secret.CodeInternalService, "An error occurred on the server side."}
			}
			if ok {
				resource = arn
				ctxKeys["secretsmanager:name"] = []string{name}
				for k, v := range tags {
					ctxKeys["secretsmanager:resourcetag/"+strings.ToLower(k)] = []string{v}
				}
			}
		}
	case op == "CreateSecret" && in.Name != "":
		// The new secret's ARN ends in six characters not drawn yet.
		resource = s.secretARN(in.Name) + "-XXXXXX"
		ctxKeys["secretsmanager:name"] = []string{in.Name}
	}
	req := authz.Request{Principal: id.ARN, Account: s.cfg.Account, Action: action, Resource: resource, Context: ctxKeys}
	switch authz.Evaluate(id.Policies, nil, req) {
	case authz.Allow:
		return nil
	case authz.Deny:
		return &apiError{400, "AccessDeniedException", "User: " + id.ARN + " is not authorized to perform: " + action + " on resource: " + resource + " with an explicit deny in an identity-based policy"}
	}
	return &apiError{400, "AccessDeniedException", "User: " + id.ARN + " is not authorized to perform: " + action + " on resource: " + resource + " because no identity-based policy allows the " + action + " action"}
}

// secretARN is the ARN a SecretId stands for when no secret has it: the id
// itself when it is an ARN, else the ARN its name would have.
func (s *Server) secretARN(id string) string {
	if secret.IsARN(id) {
		return id
	}
	return "arn:" + s.cfg.Partition + ":secretsmanager:" + s.cfg.Region + ":" + s.cfg.Account + ":secret:" + id
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
