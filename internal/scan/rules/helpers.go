package rules

import (
	"sort"

	"github.com/dbwarden/dbwarden/internal/scan"
)

func sortRules(rs []*scan.Rule) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].ID < rs[j].ID })
}
