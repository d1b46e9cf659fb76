package rules

import "github.com/dbwarden/dbwarden/internal/scan"

// codeRules check plaintext credentials and sensitive outputs.
var codeRules = []*scan.Rule{}
