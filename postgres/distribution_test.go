package postgres_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/postgres"
	"github.com/kehu-crm/kehu/postgres/internal/pgtest"
)

// Citus, the distributed PostgreSQL the layout is written for, enforces a primary key or
// unique constraint of a distributed table only when it includes the distribution column,
// a foreign key between distributed tables only when they are co-located and the key maps
// one distribution column to the other, and none from a reference table to a distributed
// one; it co-locates tables whose distribution columns have one type and collation
// (docs.citusdata.com, "Table Management" and "Creating and Modifying Distributed Objects").
// layoutProblems checks the tables of the connection's schema against those rules and
// against layout: every table listed, and listed once.
func layoutProblems(ctx context.Context, pool *pgxpool.Pool, layout []postgres.Placement) ([]string, error) {
	var problems []string
	byTable := make(map[string]postgres.Placement, len(layout))
	for _, p := range layout {
		if _, dup := byTable[p.Table]; dup {
			problems = append(problems, p.Table+": listed twice")
		}
		byTable[p.Table] = p
		if (p.Column == "") != (p.Group == "") {
			problems = append(problems, p.Table+": a spread table needs a column and a group, a reference table neither")
		}
	}

	tables, err := schemaStrings(ctx, pool, `SELECT relname FROM pg_class
		WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p') ORDER BY relname`)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		if _, ok := byTable[t]; !ok {
			problems = append(problems, t+": not in the layout")
		}
	}
	for _, p := range layout {
		if !slices.Contains(tables, p.Table) {
			problems = append(problems, p.Table+": in the layout, not in the schema")
		}
	}

	// The type and collation of each spread table's column, and the columns of each unique
	// index (an expression counts as no column).
	groupType := map[string]string{}
	for _, p := range layout {
		if p.Column == "" || !slices.Contains(tables, p.Table) {
			continue
		}
		var typ string
		err := pool.QueryRow(ctx, `SELECT format_type(a.atttypid, a.atttypmod) || COALESCE(' COLLATE ' || c.collname, '')
			FROM pg_attribute a LEFT JOIN pg_collation c ON c.oid = a.attcollation AND a.attcollation <> 0
			WHERE a.attrelid = (current_schema() || '.' || $1)::regclass AND a.attname = $2 AND NOT a.attisdropped`,
			p.Table, p.Column).Scan(&typ)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: no column %s", p.Table, p.Column))
			continue
		}
		if g, ok := groupType[p.Group]; ok && g != typ {
			problems = append(problems, fmt.Sprintf("%s.%s: %s, where group %s has %s", p.Table, p.Column, typ, p.Group, g))
		} else if !ok {
			groupType[p.Group] = typ
		}
		unique, err := schemaStrings(ctx, pool, `SELECT i.relname || ' (' || array_to_string(ARRAY(
				SELECT COALESCE(a.attname, '(expression)') FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
				LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
				WHERE k.n <= x.indnkeyatts ORDER BY k.n), ', ') || ')'
			FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
			WHERE x.indrelid = (current_schema() || '.' || $1)::regclass AND x.indisunique ORDER BY i.relname`, p.Table)
		if err != nil {
			return nil, err
		}
		for _, u := range unique {
			cols := strings.Split(u[strings.Index(u, "(")+1:len(u)-1], ", ")
			if !slices.Contains(cols, p.Column) {
				problems = append(problems, fmt.Sprintf("%s: unique index %s leaves out %s", p.Table, u, p.Column))
			}
		}
	}

	// Foreign keys: from, to, and the pairs of columns they map.
	rows, err := pool.Query(ctx, `SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text,
			ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
				JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n),
			ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, n)
				JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n)
		FROM pg_constraint c WHERE c.connamespace = current_schema()::regnamespace AND c.contype = 'f'
		ORDER BY c.conname`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, from, to string
		var fromCols, toCols []string
		if err := rows.Scan(&name, &from, &to, &fromCols, &toCols); err != nil {
			return nil, err
		}
		f, t := byTable[from], byTable[to]
		switch {
		case t.Column == "":
			// Any table may refer to a reference table.
		case f.Column == "":
			problems = append(problems, fmt.Sprintf("%s: reference table %s refers to spread table %s", name, from, to))
		case f.Group != t.Group:
			problems = append(problems, fmt.Sprintf("%s: %s (group %s) refers to %s (group %s)", name, from, f.Group, to, t.Group))
		default:
			i := slices.Index(fromCols, f.Column)
			if i < 0 || toCols[i] != t.Column {
				problems = append(problems, fmt.Sprintf("%s: %s (%s) → %s (%s) does not map %s to %s",
					name, from, strings.Join(fromCols, ", "), to, strings.Join(toCols, ", "), f.Column, t.Column))
			}
		}
	}
	return problems, rows.Err()
}

// schemaStrings runs a query of one text column.
func schemaStrings(ctx context.Context, pool *pgxpool.Pool, sql string, args ...any) ([]string, error) {
	rows, err := pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// TestDistributionFitsTheSchema holds every table Migrate creates to postgres.Distribution
// under the rules of a distributed PostgreSQL (see layoutProblems).
func TestDistributionFitsTheSchema(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate)
	problems, err := layoutProblems(t.Context(), pool, postgres.Distribution())
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// TestLayoutProblemsFindsEachBreach checks that the check above fails on each rule it
// holds: a table left out of the layout, a unique index without the column, a column of
// another type in a group, and foreign keys across groups, from a reference table, and
// over other columns.
func TestLayoutProblemsFindsEachBreach(t *testing.T) {
	pool := pgtest.Pool(t, postgres.Migrate)
	ctx := t.Context()
	for _, stmt := range []string{
		`CREATE TABLE extra_unlisted (id bigint PRIMARY KEY)`,
		`CREATE TABLE extra_orders (customer uuid NOT NULL, number text NOT NULL, PRIMARY KEY (customer, number))`,
		`CREATE UNIQUE INDEX extra_orders_number ON extra_orders (number)`,
		`CREATE TABLE extra_notes (customer text NOT NULL, case_id uuid NOT NULL REFERENCES complaint_cases (id), PRIMARY KEY (customer, case_id))`,
		`CREATE TABLE extra_settings (name text PRIMARY KEY, customer uuid NOT NULL REFERENCES crm_customers (id))`,
		`CREATE TABLE extra_visits (customer uuid NOT NULL, at timestamptz NOT NULL, other uuid NOT NULL REFERENCES crm_customers (id),
			PRIMARY KEY (customer, at))`,
	} {
		_, err := pool.Exec(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	layout := append(postgres.Distribution(),
		postgres.Placement{Table: "extra_orders", Column: "customer", Group: "customer"},
		postgres.Placement{Table: "extra_notes", Column: "customer", Group: "customer"},
		postgres.Placement{Table: "extra_settings"},
		postgres.Placement{Table: "extra_visits", Column: "customer", Group: "customer"},
		postgres.Placement{Table: "extra_absent"},
	)
	problems, err := layoutProblems(ctx, pool, layout)
	require.NoError(t, err)
	want := []string{
		"extra_unlisted: not in the layout",
		"extra_absent: in the layout, not in the schema",
		"extra_orders: unique index extra_orders_number (number) leaves out customer",
		"extra_notes.customer: text COLLATE default, where group customer has uuid",
		"extra_notes_case_id_fkey: extra_notes (group customer) refers to complaint_cases (group case)",
		"extra_settings_customer_fkey: reference table extra_settings refers to spread table crm_customers",
		"extra_visits_other_fkey: extra_visits (other) → crm_customers (id) does not map customer to id",
	}
	assert.ElementsMatch(t, want, problems)
}

// TestReadmeStatesTheDistribution checks the README's table of distribution columns
// against postgres.Distribution, so that what a host reads is what the schema holds.
func TestReadmeStatesTheDistribution(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	text := string(readme)
	start := strings.Index(text, "| distribute by | tables |")
	require.NotEqual(t, -1, start, "the README's table of distribution columns")
	stated := map[string]string{} // table → column, "" for a table whole on every node
	name := regexp.MustCompile("(\\()?`([a-z_]+)`")
	for _, line := range strings.Split(text[start:], "\n")[2:] {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(line, "|")
		require.Len(t, cells, 4, line)
		var pending []string
		for _, m := range name.FindAllStringSubmatch(cells[2], -1) {
			if m[1] == "" {
				pending = append(pending, m[2])
				continue
			}
			for _, table := range pending {
				stated[table] = m[2]
			}
			pending = nil
		}
		if len(pending) > 0 {
			require.Equal(t, "whole on every node", strings.TrimSpace(cells[1]), "tables without a column: %v", pending)
			for _, table := range pending {
				stated[table] = ""
			}
		}
	}
	want := map[string]string{}
	for _, p := range postgres.Distribution() {
		want[p.Table] = p.Column
	}
	assert.Equal(t, want, stated)
}
