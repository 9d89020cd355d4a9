package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/postgres"
)

// The schema ships with the package; a host that runs its own migration tool takes the SQL
// from Migrations.
func ExampleMigrations() {
	ms, err := postgres.Migrations()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range ms {
		fmt.Printf("%04d_%s creates tables: %t\n", m.Version, m.Name, strings.Contains(m.SQL, "CREATE TABLE"))
	}
	// Output:
	// 0001_crm creates tables: true
	// 0002_loyalty creates tables: true
	// 0003_microsecond_times creates tables: false
	// 0004_library_keys creates tables: false
	// 0005_survey creates tables: true
	// 0006_complaint creates tables: true
	// 0007_loyalty_lots creates tables: true
	// 0008_distribution_keys creates tables: true
	// 0009_command_entries creates tables: false
	// 0010_lot_keys creates tables: false
	// 0011_held_back_lots creates tables: false
}

// A host that spreads the tables over the nodes of a distributed PostgreSQL reads where
// each goes from Distribution: here, the statements that do it on Citus.
func ExampleDistribution() {
	for _, p := range postgres.Distribution() {
		if p.Column == "" {
			fmt.Printf("SELECT create_reference_table('%s');\n", p.Table)
			continue
		}
		fmt.Printf("SELECT create_distributed_table('%s', '%s'); -- %s\n", p.Table, p.Column, p.Group)
	}
	// Output:
	// SELECT create_distributed_table('crm_customers', 'id'); -- customer
	// SELECT create_distributed_table('crm_customer_lookup', 'customer_id'); -- customer
	// SELECT create_distributed_table('crm_customer_tags', 'customer_id'); -- customer
	// SELECT create_distributed_table('crm_history', 'customer_id'); -- customer
	// SELECT create_distributed_table('crm_interactions', 'customer_id'); -- customer
	// SELECT create_distributed_table('loyalty_accounts', 'customer'); -- customer
	// SELECT create_distributed_table('loyalty_lots', 'customer'); -- customer
	// SELECT create_distributed_table('loyalty_members', 'customer'); -- customer
	// SELECT create_distributed_table('loyalty_entries', 'customer'); -- customer
	// SELECT create_distributed_table('survey_versions', 'survey'); -- survey
	// SELECT create_distributed_table('survey_response_positions', 'survey'); -- survey
	// SELECT create_distributed_table('survey_responses', 'survey'); -- survey
	// SELECT create_distributed_table('complaint_cases', 'id'); -- case
	// SELECT create_distributed_table('complaint_steps', 'case_id'); -- case
	// SELECT create_distributed_table('loyalty_reservations', 'id'); -- reservation
	// SELECT create_distributed_table('crm_customer_keys', 'key'); -- key
	// SELECT create_distributed_table('crm_interaction_keys', 'key'); -- key
	// SELECT create_distributed_table('complaint_case_keys', 'key'); -- key
	// SELECT create_distributed_table('loyalty_commands', 'key'); -- key
	// SELECT create_reference_table('loyalty_rewards');
	// SELECT create_reference_table('loyalty_coupons');
	// SELECT create_reference_table('complaint_case_positions');
	// SELECT create_reference_table('kehu_migrations');
}

// A host migrates the database at start-up and hands the stores to the services. (This
// example needs a server, so it is compiled but not run.)
func ExampleMigrate() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		fmt.Println(err)
		return
	}
	customers := crm.NewService(postgres.NewCRMStore(pool), nil)
	ledger := loyalty.NewService(postgres.NewLoyaltyStore(pool), nil)
	_, _ = customers, ledger
}
