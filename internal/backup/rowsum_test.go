package backup

import (
	"database/sql"
	"testing"
)

func TestRowSum(t *testing.T) {
	rows := [][]sql.RawBytes{
		{sql.RawBytes("1"), sql.RawBytes("ada")},
		{sql.RawBytes("2"), nil},
		{sql.RawBytes("3"), sql.RawBytes("")},
	}
	rh := newRowHasher()
	var a, b rowSum
	for _, r := range rows {
		rh.add(&a, r)
	}
	for i := len(rows) - 1; i >= 0; i-- {
		rh.add(&b, rows[i])
	}
	if a != b {
		t.Fatal("the sum depends on the rows' order")
	}
	// NULL and the empty string differ; so do values split differently.
	var n, e, s1, s2 rowSum
	rh.add(&n, []sql.RawBytes{nil})
	rh.add(&e, []sql.RawBytes{sql.RawBytes("")})
	rh.add(&s1, []sql.RawBytes{sql.RawBytes("ab"), sql.RawBytes("c")})
	rh.add(&s2, []sql.RawBytes{sql.RawBytes("a"), sql.RawBytes("bc")})
	if n == e || s1 == s2 {
		t.Fatal("different rows give the same sum")
	}
	// The carry from the low word reaches the high word; text round-trips.
	c := rowSum{0, ^uint64(0)}
	c.add(rowSum{0, 1})
	if c != (rowSum{1, 0}) {
		t.Fatalf("carry: got %+v", c)
	}
	got, err := parseRowSum(a.String())
	if err != nil || got != a {
		t.Fatalf("parse(String()) = %+v, %v", got, err)
	}
	if _, err := parseRowSum("xyz"); err == nil {
		t.Fatal("a bad row sum parsed")
	}
}
