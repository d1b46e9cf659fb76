package rules

import "github.com/dbwarden/dbwarden/internal/scan"

// mysqlRules check my.cnf files and live MySQL servers.
var mysqlRules = []*scan.Rule{}
