// Package crm manages customer information (客户信息管理): the customer file (客户档案)
// with its contacts, demographics, communication style, consent and lifecycle stage; an
// append-only audit history of every change; the timeline of interactions; keyword search;
// duplicates and merge; export and erasure of personal data. Money, IDs, the civil Date,
// Options, errors and events are the kernel's, in the root package kehu.
//
// # Service and Store
//
// A Service holds the rules; a Store only persists. NewService(nil, nil) runs on the
// in-memory default (NewMemoryStore). A host plugs in its own storage by implementing Store
// and proving it with crmtest.Run.
//
//	svc := crm.NewService(nil, nil)
//	ctx := kehu.WithActor(ctx, "am-07") // who acts, for the audit history
//	c, err := svc.CreateCustomer(ctx, crm.Profile{
//		Name:   crm.Name{Display: "王小明"},
//		Phones: []crm.Phone{{Number: "138 0013 8000"}}, // stored as +8613800138000
//	}, nil)
//	c, err = svc.UpdateCustomer(ctx, c.ID, func(p *crm.Profile) error {
//		p.Tags = append(p.Tags, "vip")
//		return nil
//	}, nil)
//
// Every write validates first and returns a *kehu.ValidationError naming each bad field and
// rule (errors.Is(err, kehu.ErrInvalid)); nothing is written on error. Text a command gives
// — names, contacts, addresses, notes, tags, string attributes, interaction text, consent
// sources, reasons, and the actor of kehu.WithActor — is checked as given, before it is
// trimmed or cased: text that is not UTF-8 is rule "encoding", and a NUL byte (any control
// character in an email address or the actor) rule "control_char", so every store keeps
// what it is given and finds it again. Searches and lookups refuse the same text. Changes are atomic: the
// function passed to UpdateCustomer edits a copy, and the store writes it, with its audit
// entry, only if everything succeeds.
//
// Keys are optional for crm commands (none moves points or money): CreateOptions.Key,
// UpdateOptions.Key and InteractionInput.Key, when given, are checked by
// kehu.CheckHostKey and stored as given; a repeat returns the first result, and a key
// reused for another command fails with kehu.ErrKeyReused.
//
// Phone numbers typed without a country code are read in DefaultRegion ("CN"); a host
// elsewhere uses Service.InRegion.
//
// # Lifecycle stages
//
// The stages are intent 意向, potential 潜在, active, key 重点, dormant and
// terminated 终止合作. Stage.CanMoveTo holds the allowed moves; every move is kept in
// Customer.StageHistory and in the audit history.
//
// # Contact plans
//
// A contact plan (回访计划) is a ContactPlanSpec, in Go or strict JSON (LoadContactPlan),
// compiled by CompileContactPlan into an immutable *ContactPlan: cadences that say how
// often each class of customer (read from an attribute the host keeps, such as an ABC
// class) and each lifecycle stage is contacted — A monthly, B quarterly, C twice a year —
// on which channels and by whom; follow-ups due some days after an order or a closed
// complaint; and quiet hours. Service.DueContacts lists who is due or overdue at an
// instant, computed from the last interaction that counts as a contact, so recording an
// interaction satisfies the plan. It never schedules a marketing contact on a channel the
// customer has not agreed to, moves contacts out of the quiet hours of the customer's own
// time zone (Preferences.TimeZone), and ranks them by open complaints, the customer's value
// and how overdue they are, which the host supplies through ContactSignals.
//
// # Care calendar
//
// Customer care (客户关怀) is a care calendar written as a CareSpec (in Go or strict JSON,
// LoadCare) and compiled with CompileCare: the host's holidays — moving ones such as
// Spring Festival and Mid-Autumn by their dates, fixed ones such as Christmas as "MM-DD";
// the library ships none — and a playbook whose first matching rule decides, for a
// birthday, a cooperation anniversary (milestone years may have their own rule) or a
// holiday, by customer class and stage, what to do (greeting, gift, coupon), on which
// channels, how many days ahead to prepare, and the message in the customer's DISC style
// (D direct and brief, I warm, S steady and personal, C precise). A February 29 birthday
// is kept on February 28 in other years, or March 1 by the spec's choice. Cooperation
// starts with the first move to active or key, else on the day the customer was created.
// Service.Upcoming lists every customer's occasions between two civil dates, skipping
// merged, erased and terminated customers and honouring consent: a gift, a coupon or a
// loyalty reward goes out only on a channel the customer agreed to for marketing. A
// host's loyalty programme can name the birthday reward through BirthdayRewards.
//
//	care, err := crm.LoadCare(file)
//	today := care.DateOf(now) // now: the host's clock
//	occ, err := svc.Upcoming(ctx, care, today, today.AddDays(7), nil)
//
// # Customer scorecard
//
// A customer scorecard (客户计分卡) measures the relationship period by period: new, active
// and contacted customers, customers with an email on file, the share of revenue from
// identified customers, retention and churn, repeat purchase, average order value,
// complaints received and the share handled within their SLA, satisfaction rate, NPS,
// repurchase intent, and new and active loyalty members. A ScorecardSpec (currency, time
// zone, display rounding, targets such as satisfaction_rate at_least "90%") is compiled by
// CompileScorecard or LoadScorecard into an immutable ScorecardDefinition, whose Compute
// reads the host's data through small iterator sources defined here (CustomerFacts,
// OrderFacts, InteractionFacts, MemberFacts, ComplaintFacts, SurveyFacts), so that crm
// needs no other domain package; StoreFacts reads the crm's own customers and timeline and
// ScorecardData serves slices. Every KPI carries its definition, its exact numerator and
// denominator (a Ratio, rounded only for display), its target check and its change since
// the previous period. "Active" means at least one order in the period; a refund lowers
// revenue but is not an order; a KPI whose source is missing or whose denominator is empty
// has no data, never NaN.
package crm
