package rules

import "github.com/dbwarden/dbwarden/internal/scan"

// kmsRules check KMS keys.
var kmsRules = []*scan.Rule{}
