package rules

import "github.com/dbwarden/dbwarden/internal/scan"

// iamRules check IAM policies, roles and users.
var iamRules = []*scan.Rule{}
