package rules

import "github.com/dbwarden/dbwarden/internal/scan"

// logRules check CloudWatch logs, alarms and SNS.
var logRules = []*scan.Rule{}
