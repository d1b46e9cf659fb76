package api

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/dbwarden/dbwarden/internal/authz"
	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

// access is one request's authorization: who asks for which action, with
// the condition keys the request itself carries.
type access struct {
	s        *Server
	caller   string
	action   string
	identity []*authz.Policy
	keys     map[string][]string
}

// newAccess prepares the authorization of op by id. Admins are allowed
// everything but what a secret's resource policy denies them explicitly.
func (s *Server) newAccess(r *http.Request, id Identity, op string, versionStage string) *access {
	a := &access{s: s, caller: id.ARN, action: "secretsmanager:" + op, identity: id.Policies, keys: map[string][]string{
		"aws:principalarn":    {id.ARN},
		"aws:securetransport": {boolString(r.TLS != nil)},
	}}
	if id.Admin {
		a.identity = []*authz.Policy{allowAll}
	}
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		a.keys["aws:sourceip"] = []string{ip}
	}
	for k, v := range id.Tags {
		a.keys["aws:principaltag/"+strings.ToLower(k)] = []string{v}
	}
	if versionStage != "" {
		a.keys["secretsmanager:versionstage"] = []string{versionStage}
	}
	return a
}

// decide evaluates the request on resource, with the secret's resource
// policy and its own condition keys when the secret is known.
func (a *access) decide(resource string, policy *authz.Policy, secretKeys map[string][]string) *apiError {
	keys := a.keys
	if len(secretKeys) > 0 {
		keys = make(map[string][]string, len(a.keys)+len(secretKeys))
		for k, v := range a.keys {
			keys[k] = v
		}
		for k, v := range secretKeys {
			keys[k] = v
		}
	}
	req := authz.Request{Principal: a.caller, Account: a.s.cfg.Account, Action: a.action, Resource: resource, Context: keys}
	switch authz.Evaluate(a.identity, policy, req) {
	case authz.Allow:
		return nil
	case authz.Deny:
		return &apiError{400, secret.CodeAccessDenied, "User: " + a.caller + " is not authorized to perform: " + a.action + " on resource: " + resource + " with an explicit deny"}
	}
	return &apiError{400, secret.CodeAccessDenied, "User: " + a.caller + " is not authorized to perform: " + a.action + " on resource: " + resource + " because no identity-based policy allows the " + a.action + " action"}
}

// onSecret is the store.Authorizer of an operation on one secret: it
// decides with the secret's ARN, tags and resource policy, inside the
// store's transaction.
func (a *access) onSecret(f store.SecretFacts) error {
	keys := map[string][]string{"secretsmanager:name": {f.Name}}
	for k, v := range f.Tags {
		keys["secretsmanager:resourcetag/"+strings.ToLower(k)] = []string{v}
	}
	if e := a.decide(f.ARN, a.s.policies.get(f.ResourcePolicy), keys); e != nil {
		return &secret.Error{Code: e.code, Message: e.message}
	}
	return nil
}

// authorize decides a request as IAM would. Operations on one secret are
// decided by the store once it has found the secret (authorizer is set);
// the others are decided here. notFound decides a request whose secret
// does not exist, from the ARN its id stands for.
func (s *Server) authorize(r *http.Request, id Identity, op string, body []byte) (authorizer store.Authorizer, notFound func() *apiError, e *apiError) {
	var in struct {
		SecretId     string
		Name         string
		VersionStage string
	}
	json.Unmarshal(body, &in) // a malformed body is reported by the operation itself
	a := s.newAccess(r, id, op, in.VersionStage)
	switch {
	case in.SecretId != "":
		return a.onSecret, func() *apiError { return a.decide(s.secretARN(in.SecretId), nil, nil) }, nil
	case op == "CreateSecret" && in.Name != "":
		// The new secret's ARN ends in six characters not drawn yet.
		return nil, nil, a.decide(s.secretARN(in.Name)+"-XXXXXX", nil, map[string][]string{"secretsmanager:name": {in.Name}})
	}
	return nil, nil, a.decide("*", nil, nil)
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

// policyCache keeps parsed resource policies by their text, so that a
// secret's policy is parsed once, not on every request.
type policyCache struct {
	mu sync.Mutex
	m  map[string]*authz.Policy
}

// get returns the parsed policy, or nil for none. A stored policy that no
// longer parses grants nothing.
func (c *policyCache) get(doc string) *authz.Policy {
	if doc == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.m[doc]; ok {
		return p
	}
	p, _ := authz.Parse([]byte(doc))
	if c.m == nil || len(c.m) > 1000 {
		c.m = map[string]*authz.Policy{}
	}
	c.m[doc] = p
	return p
}
