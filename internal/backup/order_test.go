package backup

import "testing"

func TestLoadOrder(t *testing.T) {
	objs := []Object{
		{Database: "d", Table: "a", Chunk: 1, Rows: 10},
		{Database: "d", Table: "b", Chunk: 0, Rows: 500},
		{Database: "d", Table: "a", Chunk: 0, Rows: 10},
		{Database: "d", Table: "c", Chunk: 0, Rows: 100},
	}
	units := loadOrder(objs, 2, false)
	// Three tables for two workers: one unit a table, the largest first,
	// a table's objects in key order.
	if len(units) != 3 || units[0][0].Table != "b" || units[1][0].Table != "c" || units[2][0].Table != "a" {
		t.Fatalf("units: %+v", units)
	}
	if len(units[2]) != 2 || units[2][0].Chunk != 0 || units[2][1].Chunk != 1 {
		t.Fatalf("table a's objects out of key order: %+v", units[2])
	}
	// More workers than tables, or asked to: one unit an object.
	if units := loadOrder(objs, 4, false); len(units) != 4 {
		t.Errorf("4 workers, 3 tables: %d units, want one an object", len(units))
	}
	if units := loadOrder(objs, 2, true); len(units) != 4 {
		t.Errorf("ChunkParallel: %d units, want one an object", len(units))
	}
}
