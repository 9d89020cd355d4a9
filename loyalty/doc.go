// Package loyalty runs loyalty programmes (忠诚度计划): programme definitions, an exact
// points ledger (积分), earning rules, membership tiers (会员等级), partner exchange,
// transfers and household pools, rewards and redemption. It is a library: the host owns storage, transport and UI, and
// plugs its storage in behind the narrow Store interface.
//
// # Programmes
//
// The docs spell the idea "programme"; the type is Program, in the spelling Go identifiers
// use.
// A Program is built in Go (NewProgram) or loaded from JSON (LoadProgram, strict: unknown
// fields and trailing data are errors) and validated as a whole: Validate reports every
// problem at once in a *kehu.ValidationError whose fields name the place, such as
// "point_types[1].code" or "earning.rules[3].when". JSON that does not decode is reported
// the same way, by path: "earning.base[0].per" for a decimal that does not parse,
// "earning.rules[0].effect.multipler" for an unknown field, with `did you mean
// "multiplier"?`. A condition that does not compile is explained in the names conditions
// use, never in Go types: "order has no field totl; did you mean total?". A programme has an ID, a Version
// (changing the rules means a new version; ledger entries record the version that produced
// them), an IANA time zone in which every calendar rule is taken (year-end expiry,
// campaigns, birthdays, daily caps), a currency, and one or more point types: spendable
// points kept apart from qualifying (status) points, as airlines keep award and status
// miles apart. Each point type has its expiry policy, a pending period for return windows,
// a floor for clawbacks and a value per point for the liability report. The pending period
// must end before the points expire, whenever they are earned: "expire 10 days after
// earning" with 30 pending days, or "expire at the end of the month earned" with any
// pending period (points earned on the 31st), is refused on "point_types[i].pending_days"
// with rule "expiry".
//
// # Earning
//
// Program.Earning holds base rates on spend ("1 point per ¥1", "5 per $1", per order
// line, rounded down by default with the mode explicit, in exact decimal arithmetic),
// eligible and excluded categories and SKUs, and rules whose conditions are expr-lang
// expressions over the order, its lines, the member (tier, birthday month, tags, segments)
// and the date — compiled and type-checked when the programme is loaded. Rules give a
// multiple of the base points or a fixed bonus, per order or per line. A multiplier is read
// as operators say it: "multiplier": 2 is double points, the line's base points twice in
// all (the rule adds them once more on top of the base rate's award), 1.5 adds half, and
// below 1 is refused since it would take points away; "extra_base": 1 says the same as
// the part added on top, and a rule sets one or the other, not both. A tier level's
// multiplier reads the same way (a gold level at 1.5 earns 1.5 times the base points
// through a rule with tier_multiplier). Rules stack
// deterministically by unique Priority, with Exclusive rules stopping later ones; run only
// inside their campaign window, in the programme's zone; and are capped per order, per day
// and per period for each member. Event rules reward sign-up, birthdays, completed
// profiles, reviews and referrals, at most once per period.
//
// Program.Preview and Program.EventAwards are pure: they take the order or event, the
// member and what capped rules already gave (RuleUsage), and return the awards — per order
// line, so a refund takes back exactly what each line created — with a rule-by-rule
// explanation, writing nothing. Preview's Earning records its decisions compactly;
// Earning.Awards and Earning.Explanation write them out when asked, so crediting an order
// costs no text nobody reads.
//
// # Ledger
//
// Service keeps accounts per (programme, customer, point type) in a Store. Points are
// integers; every earning creates a lot with its own earned, available and expiry
// instants, and a spend draws on lots by the programme's spend policy and records which
// lots it drew on. Entries (earn, redeem, expire, adjust, reverse, transfer, release) are
// immutable. Expiry is decided against the injected clock on every read and write, so no
// point is spendable after it expires even if ExpireDue has not run. Service.EarnOrder and Service.EarnEvent credit what Preview and EventAwards
// compute; Refund takes back exactly what refunded lines earned, following the
// programme's return policy when the points were already spent. Balances, lots and
// statements are available as of any instant, with liability and breakage reports.
// NewMemoryStore is the embedded, concurrency-safe default: it keeps entries, command
// records and the lots of small accounts in encodings without pointers, so that a million
// members cost the garbage collector little. Package loyaltytest is the conformance suite
// any host store runs.
//
// # Idempotency
//
// Every command that moves points is applied once. Commands without a natural identifier —
// Earn, Redeem, RedeemAcross, Adjust, Refund, Transfer, ContributeToPool, RedeemFromPool,
// Reserve and RedeemCoupon — are structs whose Key field is required (a missing key is a
// *kehu.ValidationError on "key"). Commands that carry one derive their key from it, in
// the namespace kehu.LibraryKeyPrefix that no host key may use: EarnOrder from the order's
// ID, EarnEvent from the event and its reference, partner exchanges from the partner's
// reference, Reverse from the entry it reverses, and a reservation's points hold from the
// reservation; Confirm, Cancel and Release are idempotent by the reservation or order they
// name. A repeat with the same key and payload returns the first result and writes
// nothing, also when it races the first attempt: the first result answers before any
// balance, cap or limit check, in every store. A repeat with another payload fails with
// kehu.ErrKeyReused. Keys are checked by kehu.CheckHostKey and stored byte for byte.
//
// # Tiers
//
// Program.Tiers defines levels by qualifying spend, qualifying points, number of purchases
// or any combination (Tiers.All), over a rolling window of months, the calendar year or the
// membership year. The figures come from the ledger itself: EarnOrder credits each order
// line's spend and one purchase to internal accounts, and Refund takes them back line by
// line, so a tier is measured on what the member kept. A member moves up as soon as a
// threshold is crossed (EvaluateTier, called by EarnOrder); moves down only at the review
// date (ReviewTiers), by at most Tiers.MaxDrop levels and after Tiers.GraceDays; and can be
// given a level until a date (AssignTier, a status match) that never becomes a floor. The
// tier history is kept in MemberState, and TierStatus says what is still needed for the
// next level and by when.
//
// # Partners, transfers and pools
//
// Program.Partners lists coalition partners with exchange rates each way, a minimum and a
// daily limit; ExchangeIn and ExchangeOut record every exchange for PartnerSettlement.
// Transfer moves points between members atomically under Program.Transfers limits; a
// household pool is a shared account members join (JoinPool), contribute to and redeem
// from.
//
// # Rewards and redemption
//
// A catalogue of rewards (PutReward) with a points price, an optional cash part, stock, a
// per-member limit, a validity window and tier restrictions. Redemption is reserve →
// confirm or cancel, so a host's checkout can hold points while payment runs: Reserve takes
// the stock and holds the points (a ledger spend); Confirm makes it final and, for coupon
// rewards, issues a unique, unguessable code (80 random bits from crypto/rand, Crockford
// base32 with a check symbol that catches every single typo and swap); Cancel returns the
// stock and gives the points back to their original lots with their original expiry.
// RedeemCoupon uses a single- or multi-use coupon within its validity.
//
// # Replay
//
// Replay re-runs a candidate programme version over a history of orders and events and
// returns, per member, the points and tier under both versions, writing nothing.
package loyalty
