package authz

import (
	"net/netip"
	"strings"
)

// Decision is the outcome of an evaluation.
type Decision int

const (
	// ImplicitDeny: nothing allows the request.
	ImplicitDeny Decision = iota
	// Allow: a statement allows it and none denies it.
	Allow
	// Deny: a statement denies it explicitly.
	Deny
)

func (d Decision) String() string {
	return [...]string{"implicit deny", "allow", "explicit deny"}[d]
}

// Request is what is being asked.
type Request struct {
	Principal string // the caller's ARN
	Account   string // the caller's account id
	Action    string // e.g. secretsmanager:GetSecretValue
	Resource  string // an ARN, or "*"
	// Context holds the condition keys, lower case, with their values.
	Context map[string][]string
}

// Evaluate decides a request against the caller's identity policies and
// the resource's policy (nil when it has none): an explicit deny anywhere
// wins, then an allow anywhere, else the request is denied.
func Evaluate(identity []*Policy, resource *Policy, req Request) Decision {
	allowed := false
	check := func(p *Policy, isResource bool) bool {
		for i := range p.Statements {
			st := &p.Statements[i]
			if !st.matches(req, isResource) {
				continue
			}
			if !st.Allow {
				return true
			}
			allowed = true
		}
		return false
	}
	for _, p := range identity {
		if p != nil && check(p, false) {
			return Deny
		}
	}
	if resource != nil && check(resource, true) {
		return Deny
	}
	if allowed {
		return Allow
	}
	return ImplicitDeny
}

func (st *Statement) matches(req Request, isResource bool) bool {
	if isResource && !st.principalMatches(req) {
		return false
	}
	if st.Actions != nil && !anyMatch(st.Actions, req.Action, true) {
		return false
	}
	if st.NotActions != nil && anyMatch(st.NotActions, req.Action, true) {
		return false
	}
	if st.Resources != nil && !resourceMatch(st.Resources, req.Resource) {
		return false
	}
	if st.NotResource != nil && resourceMatch(st.NotResource, req.Resource) {
		return false
	}
	for _, c := range st.Conditions {
		if !c.holds(req.Context) {
			return false
		}
	}
	return true
}

func (st *Statement) principalMatches(req Request) bool {
	for _, p := range st.Principals {
		switch {
		case p == "*":
			return true
		case p == req.Principal:
			return true
		case p == req.Account, p == "arn:aws:iam::"+req.Account+":root":
			return true
		}
	}
	return false
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			if Match(strings.ToLower(p), strings.ToLower(s)) {
				return true
			}
		} else if Match(p, s) {
			return true
		}
	}
	return false
}

// resourceMatch matches resource patterns. A pattern naming a secret ARN
// without its six-character suffix and without wildcards also matches the
// secret's full ARN, as partial ARNs identify secrets elsewhere in the API.
func resourceMatch(patterns []string, res string) bool {
	for _, p := range patterns {
		if Match(p, res) {
			return true
		}
		if strings.Contains(p, ":secretsmanager:") && !strings.ContainsAny(p, "*?") &&
			len(res) == len(p)+7 && strings.HasPrefix(res, p) && res[len(p)] == '-' {
			return true
		}
	}
	return false
}

// Match reports whether s matches pattern, where * matches any run of
// characters and ? any one character.
func Match(pattern, s string) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}

func (c Condition) holds(ctx map[string][]string) bool {
	op := c.Operator
	ifExists := strings.HasSuffix(op, "IfExists")
	op = strings.TrimSuffix(op, "IfExists")
	have, present := ctx[c.Key]
	if op == "Null" {
		want := len(c.Values) > 0 && c.Values[0] == "true"
		return want == !present
	}
	negated := strings.Contains(op, "Not")
	if !present {
		// A missing key satisfies negated operators and IfExists.
		return negated || ifExists
	}
	var match func(want, got string) bool
	switch op {
	case "StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals":
		match = func(w, g string) bool { return w == g }
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		match = strings.EqualFold
	case "StringLike", "StringNotLike", "ArnLike", "ArnNotLike":
		match = Match
	case "Bool":
		match = func(w, g string) bool { return strings.EqualFold(w, g) }
	case "IpAddress", "NotIpAddress":
		match = func(w, g string) bool {
			p, err := parsePrefix(w)
			a, aerr := netip.ParseAddr(g)
			return err == nil && aerr == nil && p.Contains(a.Unmap())
		}
	default:
		return false
	}
	any := false
	for _, g := range have {
		for _, w := range c.Values {
			if match(w, g) {
				any = true
			}
		}
	}
	if negated {
		return !any
	}
	return any
}
