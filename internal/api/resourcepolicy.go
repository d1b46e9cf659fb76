package api

import (
	"context"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/dbwarden/dbwarden/internal/authz"
	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

type validateInput struct {
	SecretId       string
	ResourcePolicy string
}

type validationError struct {
	CheckName    string `json:"CheckName"`
	ErrorMessage string `json:"ErrorMessage"`
}

type validateOutput struct {
	PolicyValidationPassed bool              `json:"PolicyValidationPassed"`
	ValidationErrors       []validationError `json:"ValidationErrors"`
}

// checkResourcePolicy parses a resource policy and lists what is wrong
// with it: a document that does not parse, a statement without a
// Principal, or (when blockPublic) a statement that grants public access.
func checkResourcePolicy(doc string, blockPublic bool) []validationError {
	p, err := authz.Parse([]byte(doc))
	if err != nil {
		return []validationError{{"SYNTAX_CHECK", err.Error()}}
	}
	var errs []validationError
	for i, st := range p.Statements {
		if st.Principals == nil {
			errs = append(errs, validationError{"SYNTAX_CHECK", "statement " + strconv.Itoa(i+1) + ": a resource policy statement needs a Principal"})
		}
		if blockPublic && publicStatement(st) {
			errs = append(errs, validationError{"PUBLIC_ACCESS_CHECK", "statement " + strconv.Itoa(i+1) + ": it allows any principal without a condition that limits it to specific accounts, principals or networks"})
		}
	}
	return errs
}

// publicStatement reports whether a statement allows a principal that
// names no one in particular ("*", or an ARN or account with a wildcard
// in its account) without a condition that pins the caller down, which is
// how AWS decides that a resource policy grants public access.
func publicStatement(st authz.Statement) bool {
	if !st.Allow || !slices.ContainsFunc(st.Principals, broadPrincipal) {
		return false
	}
	return !slices.ContainsFunc(st.Conditions, restricting)
}

// broadPrincipal: "*", or an account id or ARN whose account has a wildcard.
func broadPrincipal(p string) bool {
	if p == "*" {
		return true
	}
	account := p
	if parts := strings.SplitN(p, ":", 6); len(parts) == 6 {
		account = parts[4]
	}
	return account == "" || strings.ContainsAny(account, "*?")
}

// restrictingKeys are the condition keys that, given specific values,
// confine a statement to known callers, accounts or networks.
var restrictingKeys = map[string]bool{
	"aws:principalaccount": true, "aws:principalarn": true, "aws:principalorgid": true, "aws:principalorgpaths": true,
	"aws:sourceaccount": true, "aws:sourcearn": true, "aws:sourceowner": true,
	"aws:sourceip": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
	"aws:userid": true, "aws:username": true,
}

// restricting reports whether a condition confines who may use a
// statement: a positive operator (not a negated one, not IfExists, which
// lets a request without the key through) on a restricting key, with no
// value that matches everyone.
func restricting(c authz.Condition) bool {
	switch c.Operator {
	case "StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "IpAddress":
	default:
		return false
	}
	if !restrictingKeys[c.Key] || len(c.Values) == 0 {
		return false
	}
	for _, v := range c.Values {
		if !specific(c.Key, v) {
			return false
		}
	}
	return true
}

// specific reports whether one condition value names particular callers.
func specific(key, v string) bool {
	switch key {
	case "aws:sourceip":
		_, n, err := net.ParseCIDR(v)
		if err != nil {
			return net.ParseIP(v) != nil
		}
		ones, _ := n.Mask.Size()
		return ones > 0
	case "aws:principalarn", "aws:sourcearn":
		return !broadPrincipal(v)
	case "aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "aws:principalorgid":
		return v != "" && !strings.ContainsAny(v, "*?")
	default:
		return strings.Trim(v, "*?") != ""
	}
}

func init() {
	handlers["PutResourcePolicy"] = call(func(st store.Store, ctx context.Context, in *store.PutResourcePolicyInput) (*store.PutResourcePolicyOutput, error) {
		block := in.BlockPublicPolicy == nil || *in.BlockPublicPolicy // AWS blocks public policies by default
		if errs := checkResourcePolicy(in.ResourcePolicy, block); len(errs) > 0 {
			code := "MalformedPolicyDocumentException"
			if errs[0].CheckName == "PUBLIC_ACCESS_CHECK" {
				code = "PublicPolicyException"
			}
			return nil, &apiError{400, code, errs[0].ErrorMessage}
		}
		return st.PutResourcePolicy(ctx, in)
	})
	handlers["GetResourcePolicy"] = call(store.Store.GetResourcePolicy)
	handlers["RotateSecret"] = call(store.Store.RotateSecret)
	handlers["CancelRotateSecret"] = call(store.Store.CancelRotateSecret)
	handlers["DeleteResourcePolicy"] = call(store.Store.DeleteResourcePolicy)
	handlers["ValidateResourcePolicy"] = call(func(st store.Store, ctx context.Context, in *validateInput) (*validateOutput, error) {
		if in.ResourcePolicy == "" {
			return nil, secret.Errorf(secret.CodeInvalidParameter, "You must provide a ResourcePolicy.")
		}
		if in.SecretId != "" {
			if _, err := st.DescribeSecret(ctx, &store.DescribeSecretInput{SecretId: in.SecretId}); err != nil {
				return nil, err
			}
		}
		errs := checkResourcePolicy(in.ResourcePolicy, true)
		return &validateOutput{PolicyValidationPassed: len(errs) == 0, ValidationErrors: append([]validationError{}, errs...)}, nil
	})
}
