package rules

import "github.com/dbwarden/dbwarden/internal/scan"

// storageRules check S3 buckets and DynamoDB tables.
var storageRules = []*scan.Rule{}
