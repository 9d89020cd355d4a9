// Command quickstart shows kehu's crm package: it creates customers, records
// interactions, edits a profile, and prints the audit history and the result of a keyword
// search. It keeps its data in the in-memory default, or with -postgres in PostgreSQL, in
// a schema of its own that it drops at the end; the output is the same.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/postgres"
)

func main() {
	dsn := flag.String("postgres", "", "keep the data in the PostgreSQL database at `DSN` instead of in memory")
	flag.Parse()
	// Ctrl-C stops the story, which then drops its PostgreSQL schema; a second one ends
	// the program at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	context.AfterFunc(ctx, stop)
	if err := run(ctx, os.Stdout, *dsn); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, dsn string) (err error) {
	store, closeStore, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, closeStore()) }()
	// A fixed clock and sequential IDs make the output the same on every run; a real host
	// passes nil options (time.Now and UUIDv7).
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	svc := crm.NewService(store, opts)
	ctx = kehu.WithActor(ctx, "am-07")

	wang, err := svc.CreateCustomer(ctx, crm.Profile{
		Name:   crm.Name{Family: "王", Given: "小明", FamilyFirst: true, Phonetic: "Wang Xiaoming"},
		Emails: []crm.Email{{Address: " XiaoMing.Wang@Example.COM ", Primary: true}},
		Phones: []crm.Phone{{Number: "138 0013 8000", Label: "mobile"}},
		Addresses: []crm.Address{{Country: "cn", Region: "上海市", City: "上海市",
			District: "浦东新区", Street: "世纪大道100号", PostalCode: "200120"}},
		Demographics: crm.Demographics{BirthDate: kehu.MustDate(1988, time.February, 29),
			Occupation: "engineer", Education: crm.EducationMaster},
		DISC: crm.DISCConscientiousness,
		Tags: []string{"VIP", "newsletter"},
	}, &crm.CreateOptions{Stage: crm.StagePotential})
	if err != nil {
		return err
	}
	smith, err := svc.CreateCustomer(ctx, crm.Profile{
		Name:    crm.Name{Given: "Jane", Family: "Smith"},
		Company: "Northwind Traders",
		Emails:  []crm.Email{{Address: "jane@northwind.example"}},
		Phones:  []crm.Phone{{Number: "+1 (415) 555-2671"}},
	}, nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "created:", wang.Name.Display, wang.PrimaryPhone(), "|", smith.Name.Display, smith.PrimaryPhone())

	// A phone call that needs a reply by the end of the next day (a phone-service record).
	clock.Advance(2 * time.Hour)
	call, err := svc.RecordInteraction(ctx, crm.InteractionInput{
		CustomerID: wang.ID, Channel: crm.ChannelPhone, Direction: crm.Inbound,
		Contact: "13800138000", AskedFor: "after-sales", Subject: "Invoice copy",
		Content: "Asks for a copy of the March invoice.", Urgency: crm.UrgencyHigh,
		ReplyBy: clock.Now().Add(30 * time.Hour),
	})
	if err != nil {
		return err
	}
	// Marketing email without consent is refused.
	_, err = svc.RecordInteraction(ctx, crm.InteractionInput{
		CustomerID: smith.ID, Channel: crm.ChannelEmail, Direction: crm.Outbound,
		Purpose: crm.PurposeMarketing, Subject: "Spring sale",
	})
	fmt.Fprintln(out, "marketing without consent:", err)

	// Edit the profile: every change lands in the audit history.
	clock.Advance(24 * time.Hour)
	ctx2 := kehu.WithActor(ctx, "am-12")
	if _, err := svc.UpdateCustomer(ctx2, wang.ID, func(p *crm.Profile) error {
		p.Phones = append(p.Phones, crm.Phone{Number: "021 6888 8888", Label: "office"})
		p.Tags = append(p.Tags, "key-account")
		p.Owner = "am-12"
		return nil
	}, &crm.UpdateOptions{Reason: "met at the spring fair"}); err != nil {
		return err
	}
	if _, err := svc.ChangeStage(ctx2, wang.ID, crm.StageActive, &crm.UpdateOptions{Reason: "first order"}); err != nil {
		return err
	}

	hist, err := svc.History(ctx, wang.ID, kehu.PageRequest{})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "\naudit history of", wang.Name.Display)
	for _, ch := range hist.Items {
		fmt.Fprintf(out, "v%d %s %s by %s %s\n", ch.Version, ch.At.Format("2006-01-02 15:04"), ch.Action, ch.Actor, ch.Reason)
		for _, f := range ch.Fields {
			fmt.Fprintf(out, "    %-24s %q -> %q\n", f.Field, f.Old, f.New)
		}
	}

	clock.Advance(12 * time.Hour)
	overdue, err := svc.OverdueReplies(ctx, kehu.PageRequest{})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "\noverdue replies:", len(overdue.Items), "first:", overdue.Items[0].Subject, overdue.Items[0].ID == call.ID)

	for _, kw := range []string{"wang", "小明", "+86 138-0013-8000", "northwind", "vip"} {
		page, err := svc.Search(ctx, crm.Query{Keyword: kw})
		if err != nil {
			return err
		}
		names := []string{}
		for _, c := range page.Items {
			names = append(names, c.Name.Display)
		}
		fmt.Fprintf(out, "search %-20q -> %v\n", kw, names)
	}
	return nil
}

// openStore returns the crm store: the in-memory default when dsn is empty, else the
// PostgreSQL store in a new schema of the database at dsn, which closeStore drops.
func openStore(ctx context.Context, dsn string) (store crm.Store, closeStore func() error, err error) {
	if dsn == "" {
		return crm.NewMemoryStore(), func() error { return nil }, nil
	}
	pool, drop, err := openSchema(ctx, dsn, "quickstart")
	if err != nil {
		return nil, nil, err
	}
	return postgres.NewCRMStore(pool), drop, nil
}

// openSchema connects to the PostgreSQL database at dsn and makes a schema of its own for
// the example, kehu_example_<name>_<random hex>: the pool's connections use it (their
// search_path), and kehu's migrations are applied to it. drop removes the schema and
// closes the pool.
func openSchema(ctx context.Context, dsn, name string) (pool *pgxpool.Pool, drop func() error, err error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	schema := fmt.Sprintf("kehu_example_%s_%012x", name, rand.Uint64()>>16)
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	if pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, nil, err
	}
	drop = func() error {
		defer pool.Close()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		return err
	}
	if _, err = pool.Exec(ctx, "CREATE SCHEMA "+schema); err == nil {
		err = postgres.Migrate(ctx, pool)
	}
	if err != nil {
		return nil, nil, errors.Join(err, drop())
	}
	return pool, drop, nil
}
