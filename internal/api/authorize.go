package api

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"

	"github.com/dbwarden/dbwarden/internal/authz"
	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

// SecretInfo tells authorization a secret's ARN, name, tags and resource
// policy; ok is false when no secret has the id.
type SecretInfo func(ctx context.Context, id string) (facts store.SecretFacts, ok bool, err error)

// authorize decides whether id may call op with this body, as IAM would:
// admins may do anything; other principals need an identity policy that
// allows the action on the secret, and none that denies it.
func (s *Server) authorize(r *http.Request, id Identity, op string, body []byte) *apiError {
	identity := id.Policies
	if id.Admin {
		// Admins are allowed everything but what a secret's resource
		// policy denies them explicitly.
		identity = []*authz.Policy{allowAll}
	}
	var in struct {
		SecretId     string
		Name         string
		VersionStage string
	}
	json.Unmarshal(body, &in) // a malformed body is reported by the operation itself

	action := "secretsmanager:" + op
	resource := "*"
	var resourcePolicy *authz.Policy
	ctxKeys := map[string][]string{
		"aws:principalarn":    {id.ARN},
		"aws:securetransport": {boolString(r.TLS != nil)},
	}
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ctxKeys["aws:sourceip"] = []string{ip}
	}
	for k, v := range id.Tags {
		ctxKeys["aws:principaltag/"+strings.ToLower(k)] = []string{v}
	}
	if in.VersionStage != "" {
		ctxKeys["secretsmanager:versionstage"] = []string{in.VersionStage}
	}
	switch {
	case in.SecretId != "":
		resource = s.secretARN(in.SecretId)
		if s.cfg.Secrets != nil {
			facts, ok, err := s.cfg.Secrets(r.Context(), in.SecretId)
			if err != nil {
				s.cfg.Logger.Error("authorize: look up secret", "error", err)
				return &apiError{500, secret.CodeInternalService, "An error occurred on the server side."}
			}
			if ok {
				resource = facts.ARN
				ctxKeys["secretsmanager:name"] = []string{facts.Name}
				for k, v := range facts.Tags {
					ctxKeys["secretsmanager:resourcetag/"+strings.ToLower(k)] = []string{v}
				}
				if facts.ResourcePolicy != "" {
					// Stored policies were validated when put; one that no
					// longer parses grants nothing.
					resourcePolicy, _ = authz.Parse([]byte(facts.ResourcePolicy))
				}
			}
		}
	case op == "CreateSecret" && in.Name != "":
		// The new secret's ARN ends in six characters not drawn yet.
		resource = s.secretARN(in.Name) + "-XXXXXX"
		ctxKeys["secretsmanager:name"] = []string{in.Name}
	}
	req := authz.Request{Principal: id.ARN, Account: s.cfg.Account, Action: action, Resource: resource, Context: ctxKeys}
	switch authz.Evaluate(identity, resourcePolicy, req) {
	case authz.Allow:
		return nil
	case authz.Deny:
		return &apiError{400, "AccessDeniedException", "User: " + id.ARN + " is not authorized to perform: " + action + " on resource: " + resource + " with an explicit deny"}
	}
	return &apiError{400, "AccessDeniedException", "User: " + id.ARN + " is not authorized to perform: " + action + " on resource: " + resource + " because no identity-based policy allows the " + action + " action"}
}

// allowAll is the identity policy of admin principals.
var allowAll = &authz.Policy{Statements: []authz.Statement{{Allow: true, Actions: []string{"*"}, Resources: []string{"*"}}}}

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
