package server

import (
	"os"
	"strings"
	"testing"

	"github.com/platform/telegent-facade/internal/cliconf"
)

// TestREADMEFlagTable fails when the README's flag table is not the one
// Config's tags give; CONFIGDOC_UPDATE=1 (make configdoc) rewrites it.
func TestREADMEFlagTable(t *testing.T) {
	t.Parallel()
	const readme = "../README.md"
	table, err := FlagTable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	want, err := cliconf.Replace(string(b), table)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("CONFIGDOC_UPDATE") == "1" {
		if err := os.WriteFile(readme, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != string(b) {
		t.Errorf("README.md's flag table is stale: run make configdoc. Want:\n%s", table)
	}
}

// TestDefaultInOnePlace: a default changed where it is declared changes
// both --help and the README's table.
func TestDefaultInOnePlace(t *testing.T) {
	t.Parallel()
	vars := configVars().CloneWith(map[string]string{"max_connection_age": "17m0s"})
	usage, err := usageText(vars)
	if err != nil {
		t.Fatal(err)
	}
	table, err := flagTable(vars)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(usage, "(default 17m0s)") {
		t.Errorf("--help does not show the changed default:\n%s", usage)
	}
	if !strings.Contains(table, "| `--max-connection-age` | `MAX_CONNECTION_AGE` | `17m0s` |") {
		t.Errorf("the table does not show the changed default:\n%s", table)
	}
	usage, _ = usageText(configVars())
	if strings.Contains(usage, "17m0s") {
		t.Error("the changed default leaked into the declared one")
	}
}
