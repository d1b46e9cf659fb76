package rules

import "github.com/dbwarden/dbwarden/internal/scan"

// stateRules check Terraform state and repository hygiene.
var stateRules = []*scan.Rule{}
