package postgres_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStatementsModifyEachTableOnce reads every string of the package's code and fails if
// one statement modifies a table twice (two data-modifying parts on one table, as a
// DELETE … RETURNING feeding an INSERT, or an insert beside an upsert). PostgreSQL runs
// such a statement; CockroachDB refuses it unless every part is a plain INSERT, and the
// README says the store's SQL is what those engines accept where that costs nothing.
func TestStatementsModifyEachTableOnce(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			sql, err := strconv.Unquote(lit.Value)
			require.NoError(t, err)
			tables := modifiedTables(sql)
			if len(tables) > 0 {
				checked++
			}
			seen := map[string]bool{}
			for _, table := range tables {
				if seen[table] {
					t.Errorf("%s: a statement modifies %s twice:\n%s", fset.Position(lit.Pos()), table, sql)
				}
				seen[table] = true
			}
			return true
		})
	}
	require.Greater(t, checked, 20, "the statements that write were not found")
}

// modifiedTables lists the tables sql inserts into, updates or deletes from, once per
// data-modifying part: the row locks (FOR UPDATE, FOR NO KEY UPDATE) and an upsert's
// DO UPDATE are parts of their statements, not modifications of their own.
func modifiedTables(sql string) []string {
	var tables []string
	re := regexp.MustCompile(`(?i)\b(INSERT\s+INTO|DELETE\s+FROM|UPDATE)\s+(\w+)`)
	before := regexp.MustCompile(`(?i)\b(FOR|KEY|DO)\s*$`)
	for _, m := range re.FindAllStringSubmatchIndex(sql, -1) {
		verb, table := sql[m[2]:m[3]], sql[m[4]:m[5]]
		if strings.EqualFold(verb, "UPDATE") && before.MatchString(sql[:m[0]]) {
			continue
		}
		tables = append(tables, strings.ToLower(table))
	}
	return tables
}

func TestModifiedTables(t *testing.T) {
	tests := []struct {
		sql  string
		want []string
	}{
		{"SELECT 1", nil},
		{"INSERT INTO a (x) VALUES (1) ON CONFLICT (x) DO UPDATE SET x = 2", []string{"a"}},
		{"SELECT * FROM a WHERE id = $1 FOR UPDATE", nil},
		{"SELECT * FROM a FOR NO KEY UPDATE", nil},
		{"UPDATE a SET x = 1", []string{"a"}},
		{"WITH d AS (DELETE FROM a RETURNING *) INSERT INTO a SELECT * FROM d", []string{"a", "a"}},
		{"WITH p AS (insert into lots SELECT 1) update accounts set x = 1", []string{"lots", "accounts"}},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, modifiedTables(tc.sql), tc.sql)
	}
}
