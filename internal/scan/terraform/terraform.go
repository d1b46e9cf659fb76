// Package terraform loads Terraform configurations into scan Resources,
// evaluated the way Terraform would evaluate them.
package terraform

import "github.com/dbwarden/dbwarden/internal/scan"

// Options are the inputs Terraform takes from its command line and
// environment.
type Options struct {
	// Vars are -var name=value assignments.
	Vars map[string]string
	// VarFiles are -var-file paths, applied after terraform.tfvars and
	// *.auto.tfvars.
	VarFiles []string
	// Env is the environment TF_VAR_* come from; nil means os.Environ().
	Env []string
}

// LoadTree finds every directory holding .tf files under root and loads each
// one that no other one calls as a local module, as a root module.
func LoadTree(p *scan.Project, root string, opts Options) error {
	return nil
}
