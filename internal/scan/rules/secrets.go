package rules

import "github.com/dbwarden/dbwarden/internal/scan"

// secretRules check Secrets Manager.
var secretRules = []*scan.Rule{}
