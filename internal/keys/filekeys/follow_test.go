package filekeys

import (
	"context"
	"testing"
)

func TestNewDataKeysFollowAnotherProcessRotation(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, wrapped, err := a.GenerateDataKey(context.Background(), map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := parseVersion(wrapped); v != 2 {
		t.Fatalf("version of a data key wrapped after another provider rotated: got %d, want 2", v)
	}
	if a.NeedsRewrap(wrapped) {
		t.Fatal("a fresh data key needs a rewrap")
	}
}
