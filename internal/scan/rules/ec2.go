package rules

import "github.com/dbwarden/dbwarden/internal/scan"

// computeRules check EC2 instances and launch templates.
var computeRules = []*scan.Rule{}
