package rules

import "github.com/dbwarden/dbwarden/internal/scan"

// networkRules check security groups, subnets, VPC endpoints.
var networkRules = []*scan.Rule{}
