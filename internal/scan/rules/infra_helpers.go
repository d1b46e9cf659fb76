package rules

import (
	"strings"
	"unicode"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// Helpers for the compute, network, IAM, code and state rules.

// tfKind returns the Terraform resources of a kind ("variable", "output",
// "locals", "tfvars", "backend", "module_dir", "provider"), in input order.
func tfKind(p *scan.Project, kind string) []*scan.Resource {
	var out []*scan.Resource
	for _, r := range p.Resources {
		if r.Lang == scan.Terraform && r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// cfnKind returns the CloudFormation resources of a kind ("parameter",
// "output").
func cfnKind(p *scan.Project, kind string) []*scan.Resource {
	var out []*scan.Resource
	for _, r := range p.Resources {
		if r.Lang == scan.CloudFormation && r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// referenced returns the resources among cands, of from's language, that
// v, an attribute of from, refers to.
func referenced(v *scan.Value, from *scan.Resource, cands []*scan.Resource) []*scan.Resource {
	var out []*scan.Resource
	for _, c := range cands {
		if c.Lang == from.Lang && v.RefersTo(c.Address) {
			out = append(out, c)
		}
	}
	return out
}

// refersToType reports whether v refers to any resource address of the
// given Terraform type ("random_password", "data.aws_ssm_parameter").
func refersToType(v *scan.Value, types ...string) bool {
	for _, ref := range refsIn(v) {
		for _, t := range types {
			if strings.HasPrefix(ref, t+".") || strings.Contains(ref, "."+t+".") {
				return true
			}
		}
	}
	return false
}

// known reports whether a value is known; null and unwritten count as known.
func known(v *scan.Value) bool { return v == nil || v.Kind != scan.Unknown }

// str returns a known string value, trimmed.
func str(v *scan.Value) (string, bool) {
	if v == nil || v.Kind != scan.String {
		return "", false
	}
	return strings.TrimSpace(v.Str), true
}

// atMost checks a number attribute against a maximum; dflt is its value
// when not written.
func atMost(out *scan.Out, r *scan.Resource, v *scan.Value, dflt, max float64, what string) {
	if !v.Known() {
		out.Unknown(r, v, "%s is only known when applied", what)
		return
	}
	n := dflt
	if v.Set() {
		var ok bool
		if n, ok = v.Number(); !ok {
			out.Unknown(r, v, "%s is not a number", what)
			return
		}
	}
	if n > max {
		out.Fail(r, v, "%s is %g; want at most %g", what, n, max)
	}
}

// nameWords splits an identifier into lower-case words at underscores,
// dashes, dots, digits-to-letters and camelCase humps: "DBMasterPassword"
// is db, master, password.
func nameWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, c := range rs {
		switch {
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			flush()
			continue
		case unicode.IsUpper(c) && len(cur) > 0:
			prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || (unicode.IsUpper(rs[i-1]) && nextLower) {
				flush()
			}
		}
		cur = append(cur, c)
	}
	flush()
	return words
}

// secretWords are words that make a name hold a credential.
var secretWords = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "pass": true, "passphrase": true,
	"secret": true, "token": true, "apikey": true, "credential": true, "credentials": true,
}

// secretPairs are two-word names that hold a credential.
var secretPairs = map[string]bool{
	"api key": true, "private key": true, "secret key": true, "access token": true,
	"auth token": true, "client secret": true, "secret access": true, "master password": true,
}

// notSecretTail are last words that make a secret-sounding name name
// something else: an ARN, an id, a length, a rotation schedule.
var notSecretTail = map[string]bool{
	"arn": true, "arns": true, "id": true, "ids": true, "name": true, "names": true,
	"path": true, "file": true, "length": true, "len": true, "version": true,
	"rotation": true, "days": true, "policy": true, "type": true, "enabled": true,
	"enable": true, "ttl": true, "prefix": true, "kms": true,
	"store": true, "manager": true, "count": true, "label": true, "url": true,
	"expiration": true, "expiry": true, "window": true, "special": true, "user": true,
	"username": true, "policies": true, "location": true, "ref": true, "parameter": true,
	"schedule": true, "lambda": true, "role": true, "secrets": true, "interval": true,
}

// secretName reports whether a variable, argument or output name looks like
// it holds a credential: password, db_password, MasterUserPassword, api_key,
// private_key, github_token; but not password_length, secret_arn or
// token_ttl.
func secretName(name string) bool {
	w := nameWords(name)
	if len(w) == 0 || notSecretTail[w[len(w)-1]] {
		return false
	}
	for i, x := range w {
		if secretWords[x] {
			return true
		}
		if i+1 < len(w) && secretPairs[x+" "+w[i+1]] {
			return true
		}
	}
	return false
}

// literalSecret reports whether v is a non-empty credential written in
// plain text: a known string that came from no sensitive variable, no
// resource or data source (random_password, a secret version) and no
// CloudFormation dynamic reference.
func literalSecret(v *scan.Value) bool {
	s, ok := str(v)
	if !ok || s == "" || v.Sensitive || len(v.Refs) > 0 {
		return false
	}
	return !strings.Contains(s, "{{resolve:")
}
