// Package rules is dbwarden's catalog of controls from the seeds.
package rules

import "github.com/dbwarden/dbwarden/internal/scan"

// All returns the catalog, ordered by rule id.
func All() []*scan.Rule {
	var all []*scan.Rule
	for _, g := range [][]*scan.Rule{computeRules, networkRules, iamRules, codeRules, stateRules, rdsRules, secretRules, kmsRules, logRules, storageRules, mysqlRules} {
		all = append(all, g...)
	}
	sortRules(all)
	return all
}
