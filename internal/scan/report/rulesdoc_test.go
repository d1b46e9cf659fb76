package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan/rules"
)

// TestRulesPageIsCurrent: docs/RULES.md is what the catalog generates, so
// the documentation never drifts from the rules.
func TestRulesPageIsCurrent(t *testing.T) {
	page := filepath.Join("..", "..", "..", "docs", "RULES.md")
	want, err := os.ReadFile(page)
	if os.IsNotExist(err) {
		t.Skip("docs/RULES.md does not exist yet; create it with: dbwarden scan rules --format markdown > docs/RULES.md")
	}
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := RulesMarkdown(&got, rules.All()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("docs/RULES.md is out of date with the rule catalog; regenerate it with: go run ./cmd/dbwarden scan rules --format markdown > docs/RULES.md")
	}
}
