package api

import (
	"context"
	"strconv"

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
// Principal, or (when blockPublic) a statement that grants access to
// everyone without a condition.
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
			errs = append(errs, validationError{"PUBLIC_ACCESS_CHECK", "statement " + strconv.Itoa(i+1) + ": it allows access to every principal (\"*\") without a condition"})
		}
	}
	return errs
}

func publicStatement(st authz.Statement) bool {
	if !st.Allow || len(st.Conditions) > 0 {
		return false
	}
	for _, p := range st.Principals {
		if p == "*" {
			return true
		}
	}
	return false
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
