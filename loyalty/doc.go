// Package loyalty runs loyalty programmes (忠诚度计划): programme definitions, an exact
// points ledger (积分), earning rules, membership tiers (会员等级), partner exchange,
// transfers and household pools, rewards and redemption. It is a library: the host owns storage, transport and UI, and
// plugs its storage in behind the narrow Store interface.
//
// # Programmes
//
// The docs spell the idea "programme"; the types are ProgramSpec and Program, in the
// spelling Go identifiers use. A ProgramSpec is a programme as written, in Go or in strict
// JSON (unknown fields and trailing data are errors). Compile checks it as a whole and
// turns it into a *Program: immutable, always valid, safe for concurrent use, with its
// conditions compiled once (LoadProgram reads JSON and compiles it). Nothing that takes a
// *Program has to ask whether it is valid, and no edit can make it stale: a change is a
// new spec (Program.Spec returns a copy to start from) compiled into a new programme.
// Compile reports every problem at once in a *kehu.ValidationError whose fields name the place, such as
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
// A programme earns on kehu.Order, the library's one order type (the same orders segment
// summarises and crm/fake generates). ProgramSpec.Earning holds base rates on spend ("1 point per ¥1", "5 per $1", per order
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
// and per period for each member. Per-day and per-period caps count by when the order was
// placed (kehu.Order.At, in the programme's zone), not when it is credited: an order placed on
// 11 November and credited on the 12th uses 11 November's cap. Since the rules read the
// order's time, Service.EarnOrder credits an order only if it was placed at most
// EarningRules.LateDays (30 by default) before the service's clock and no more than
// OrderClockSkew after it: a nightly batch or a claim for last week's receipt is credited
// as of when the order was placed, and an order dated elsewhere is refused ("order.at",
// rule "late" or "future"). Event rules reward sign-up,
// birthdays, completed profiles, reviews and referrals, at most once per period.
//
// Program.Preview and Program.EventAwards are pure: they take the order or event, the
// member as the host knows them (Member: birthday, tags, segments, attributes), the
// member's Standing — the tier the ledger holds, which a host reads from Service.Standing
// and never makes up — and what capped rules already gave (RuleUsage), and return the
// awards — per order line, so a refund takes back exactly what each line created — with a
// rule-by-rule explanation, writing nothing. Preview's Earning records its decisions compactly;
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
// # Refunds, cancellations and transfers
//
// A member may buy, spend, return and cancel in whatever order pays best, and a till and
// a web shop may both send the refund of one order. The ledger holds these invariants
// under every return policy (ReturnDebt, ReturnNegative, ReturnForgive), and the tests
// play them over random orders of operations:
//
//   - An order wholly refunded leaves the member no better off than if it had never been
//     placed, whatever was spent, cancelled or forgiven in between. What a refund cannot
//     take and the policy forgives is kept on the account (Account.Forgiven), and points
//     that come back later — a cancelled redemption, a reversed transfer — settle it once
//     each lot has what its own refunds may still take.
//   - What all refunds of an order take back, line by line and whole, never exceeds what
//     the order earned: a whole refund after line refunds takes what is left, and line
//     refunds after a whole refund take nothing. Each line's lot keeps the line's units as
//     the order gave them (Lot.Units); a refund that names more units than the line had is
//     refused at once.
//   - The order's own awards, bonuses on the order as a whole, were given for the order as
//     placed: the first refund of any part of it takes them back in full, so refunding
//     every line is the same as refunding the order. The purchase an order counts toward
//     a tier goes back only with the last of its units.
//   - A refund takes back the order's own points that are still there. Points of the order
//     that already expired (Lot.Lapsed) are not collected again from other lots: expiry
//     already took them.
//   - Transferred and pooled points keep the expiry of the lots they came from, so A → B → A
//     never renews them; they are available to the receiver at once (they were available
//     to the sender).
//   - An order's time is the host's: one dated by a client app on the member's birthday, in
//     a campaign that has ended or not begun, or on a past day whose cap is unused earns
//     nothing unless it falls inside the programme's window for late orders.
//   - An order ID is one order of one customer: the same ID for another member fails with
//     kehu.ErrKeyReused. No command moves more than MaxPoints, and no account holds more
//     than MaxBalance, so no balance, sum or report overflows.
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
// balance, cap or limit check, in every store. A repeated EarnOrder or EarnEvent reports
// the earning its first entries credit, read from them, whatever the member's tier or a
// cap would give now (EarnResult.Replayed). A repeat with another payload fails with
// kehu.ErrKeyReused. Keys are checked by kehu.CheckHostKey and stored byte for byte.
//
// # Limits under concurrency
//
// Every limit that spans commands — a rule's per-day and per-period caps, a once-only event
// rule, a partner's daily exchange limit, the monthly transfer limit — is a running counter
// kept as an internal account of the member, one per limit and period (named "$cap:…" and
// "$limit:…", see IsInternalAccount). The command reads the counter and adds to it inside
// the same atomic Store.Update that moves the points, so checking a limit is one account
// read however long the member's history, and concurrent commands of one member can never
// pass a limit together: a store serialises their writes, and the second reads what the
// first counted. Counters are ledger accounts like any other (one lot, never expiring,
// every change an entry), left out of Liability, Breakage, statements and settlements, and
// their entries are written with the command but are neither its result nor published.
//
// A cap counts what its rule awarded. A refund or reversal takes points back but does not
// give a cap's room back (nor a partner's or a transfer limit's), so returning an order and
// buying again cannot earn a capped bonus twice in its period, whatever the return policy
// did with points already spent. A cap added in a new programme version counts from then:
// its counters hold the awards made under it.
//
// A store that answers a lost race with kehu.ErrConflict (an optimistic store, or a SQL
// store reporting a deadlock or a serialisation failure) is retried by the service, up to 8
// attempts in all with a jittered exponential backoff (at most about 0.2 s altogether)
// that stops as soon as the context is done. A host therefore needs no retry loop of its
// own in normal load; under contention beyond that a command fails with kehu.ErrConflict,
// having written nothing, and may be repeated with the same key. (The exception is the
// tier evaluation that follows a credit — EarnOrder's, and Earn's, Adjust's and
// EarnEvent's of qualifying points: should it fail, the credit stands, the result is
// returned with the error, and the same key, repeated, answers from the record and
// evaluates again. So repeat a command with its key, never under a new one.)
//
// # Tiers
//
// Program.Tiers defines levels by qualifying spend, qualifying points, number of purchases
// or any combination (Tiers.All), over a rolling window of months, the calendar year or the
// membership year. The figures come from the ledger itself: EarnOrder credits each order
// line's spend and one purchase to internal accounts, and Refund takes them back line by
// line, so a tier is measured on what the member kept. The figures of a window are what
// the earnings written in it credited less what refunds have since taken back of those
// same earnings, whenever the refunds came: a purchase of December refunded in January
// lowers December's year, and takes nothing from January's.
//
// The figures are kept as running counters of the member's (the internal accounts "$fig",
// "$fig:2026", "$fig:2026-03", see IsCounterAccount): every command that credits, adjusts,
// refunds or reverses what the figures count adds to the counters of the year, month and
// day it counts in — for a refund, those of the earning it takes back of — in the same
// atomic write, so the figures of a window are one or two account reads however long the
// member's history, and they are exact for any window, past or present, as late reviews
// need. The counters keep one fixed calendar (UTC+14), so that no programme version's time
// zone changes them. A programme whose ledger was written before counters were kept needs
// no step: until a member's counters are built, their figures are read from the entries as
// before, and the first command that counts for the member builds them (one read of the
// member's history); Service.BackfillTierFigures builds them for every member at once, so
// that reviews and standing read counters from then on.
//
// A member's standing is the ledger's, never the host's: Member carries no tier, and
// earning rules (member.tier), tier multipliers and reward restrictions read the tier in
// force that the member's state holds at that instant, with every review, grace downgrade
// and end of assignment due by then applied (Standing; Service.Standing reads it without
// writing). EarnOrder earns at the tier in force after the upgrade the order itself
// causes: the figures of the window in progress plus the order's spend, purchase and
// qualifying points reach a level, and the order earns at it, or at the tier in force if
// that is higher (an earned or assigned level); once the order is credited the upgrade is
// recorded. EarnEvent and Reserve read the tier in force when they run.
//
// A member moves up as soon as a threshold is crossed (EvaluateTier, called by EarnOrder,
// whose result carries the standing after the order and the upgrade it brought, and by
// Earn, Adjust and EarnEvent once they credit points of the qualifying type);
// moves down only at a review (ReviewTiers), by at most Tiers.MaxDrop levels and after
// Tiers.GraceDays; and can be given a level until a date (AssignTier, a status match) that
// never becomes a floor. A review judges the window that just ended (Tiers.ReviewWindow):
// at a calendar-year or membership-year review, the year that ended at that instant, not
// the one that starts with it; a rolling window looks back its months from the review
// instant. Upgrades and TierStatus count the window in progress (Tiers.WindowAt). The tier
// history is kept in MemberState, sorted and dated at the instant each change took effect
// — a review at the review, a grace downgrade at its end, an assignment's end at
// AssignedUntil — however late it is evaluated, so MemberState.TierAt answers for any past
// instant; TierStatus says what is still needed for the next level and by when.
//
// # Partners, transfers and pools
//
// Program.Partners lists coalition partners with exchange rates each way, a minimum and a
// daily limit (both directions, per calendar day in the programme's zone); ExchangeIn and
// ExchangeOut record every exchange for PartnerSettlement, which bills only those: a
// host's own entries may not claim a partner's source type. An exchange worth more than
// MaxPoints is refused. Transfer moves points between members atomically under
// Program.Transfers limits (per transfer, and per calendar month for what a member sends);
// a repeated transfer or exchange gets its first result even under a later programme
// version whose limits it would not meet. A household pool is a shared account members join
// (JoinPool), contribute to and redeem from; it is created under an ID of its own, never a
// member's, so that no one can join another member's account and spend it.
//
// # Rewards and redemption
//
// A catalogue of rewards (PutReward) with a points price, an optional cash part, stock, a
// per-member limit, a validity window and tier restrictions, checked against the tier the
// ledger holds for the member. Redemption is reserve →
// confirm or cancel, so a host's checkout can hold points while payment runs: Reserve takes
// the stock and holds the points (a ledger spend); Confirm makes it final and, for coupon
// rewards, issues a unique, unguessable code (80 random bits from Options.Random, crypto/rand unless a harness seeds it; Crockford
// base32 with a check symbol that catches every single typo and swap); Cancel returns the
// stock and gives the points back to their original lots with their original expiry.
// RedeemCoupon uses a single- or multi-use coupon within its validity.
//
// # Replay
//
// Replay re-runs a candidate programme version over a history of orders and events and
// returns, per member, the points and tier under both versions, writing nothing. Under
// each version the member's tier moves as the Service would move it, from the replay's
// own figures, and rules read it as EarnOrder's do.
package loyalty
