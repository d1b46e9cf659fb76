package rules

import "github.com/dbwarden/dbwarden/internal/scan"

// rdsRules check RDS and Aurora.
var rdsRules = []*scan.Rule{}
