package postgres

// Placement says how a distributed PostgreSQL (Citus, say) can spread one of kehu's tables
// over its nodes: by the value of one column, or whole on every node.
type Placement struct {
	// Table is the table's name, as Migrate creates it.
	Table string
	// Column is the column whose value places a row on a node. Every primary key and unique
	// constraint of the table includes it, and a foreign key from the table to another
	// spread table maps it to that table's Column. It is "" for a table kept whole on every
	// node (a reference table).
	Column string
	// Group names the tables that keep rows of one value of their Columns together on one
	// node (co-located): "customer", "survey", "case", "reservation" or "key". Their
	// Columns are of one type. It is "" for a table kept whole on every node.
	Group string
}

// Distribution returns how each table Migrate creates can be spread, in the order of their
// groups: a customer's crm rows and loyalty ledger by customer, a survey's versions and
// responses by survey, a complaint case's rows by the case, a loyalty reservation by its
// ID, the idempotency keys that must stay unique across customers by the key, and the
// programme-wide rows (rewards, coupons, the case position counter, the migrations'
// record) whole on every node. On Citus each table is one call, and tables whose columns
// are of one type are co-located by default, which keeps every group together:
//
//	for _, p := range postgres.Distribution() {
//		if p.Column == "" {
//			_, err = conn.Exec(ctx, `SELECT create_reference_table($1)`, p.Table)
//		} else {
//			_, err = conn.Exec(ctx, `SELECT create_distributed_table($1, $2)`, p.Table, p.Column)
//		}
//		...
//	}
//
// The tests hold the schema to this layout: a table Migrate creates and Distribution does
// not list, or a unique constraint that leaves out its table's Column, fails them.
func Distribution() []Placement {
	return []Placement{
		{"crm_customers", "id", "customer"},
		{"crm_customer_lookup", "customer_id", "customer"},
		{"crm_customer_tags", "customer_id", "customer"},
		{"crm_history", "customer_id", "customer"},
		{"crm_interactions", "customer_id", "customer"},
		{"loyalty_accounts", "customer", "customer"},
		{"loyalty_lots", "customer", "customer"},
		{"loyalty_members", "customer", "customer"},
		{"loyalty_entries", "customer", "customer"},
		{"survey_versions", "survey", "survey"},
		{"survey_response_positions", "survey", "survey"},
		{"survey_responses", "survey", "survey"},
		{"complaint_cases", "id", "case"},
		{"complaint_steps", "case_id", "case"},
		{"loyalty_reservations", "id", "reservation"},
		{"crm_customer_keys", "key", "key"},
		{"crm_interaction_keys", "key", "key"},
		{"complaint_case_keys", "key", "key"},
		{"loyalty_commands", "key", "key"},
		{"loyalty_rewards", "", ""},
		{"loyalty_coupons", "", ""},
		{"complaint_case_positions", "", ""},
		{"kehu_migrations", "", ""},
	}
}
