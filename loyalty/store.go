package loyalty

import (
	"context"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// Command is the stored record of an idempotent command: its key, a digest of what it
// asked, and what it produced. A repeat with the same key and digest returns Entries; with a
// different digest it fails with kehu.ErrKeyReused.
type Command struct {
	Program string    `json:"program"`
	Key     string    `json:"key"`
	Digest  string    `json:"digest"`
	At      time.Time `json:"at"`
	Entries []Entry   `json:"entries"`
}

// Commit is what a change writes besides the accounts it changed: the new entries and, for
// a command with a key, its record.
type Commit struct {
	Entries []Entry
	Command *Command
}

// Store persists accounts, their entries and command records. It holds no rules: the
// Service decides every movement, and the store keeps what it is given, atomically. Every
// implementation must pass loyaltytest.Run; NewMemoryStore is the embedded default.
//
// Instants are whole microseconds (kehu.Precision): the Service reads a clock truncated to
// the microsecond and truncates the instants a host passes in for it to record
// (kehu.Truncate), so a store is given nothing finer and one that keeps microseconds, as
// PostgreSQL does, keeps every instant exactly. A host that calls a store directly passes
// whole microseconds too; a finer instant is outside the contract (a store returns it as
// given, but may order and compare it only to the microsecond). Query bounds may be any
// instant and are compared exactly.
//
// A store never keeps a pointer it was given nor returns one it keeps.
type Store interface {
	MemberStore
	RewardStore
	// Update runs fn on copies of the accounts named by keys, in the order given (an account
	// that does not exist yet is passed new: Key set, Version 0, nothing else), each holding
	// its working set of lots: at least the lots need asks for (see Need), and in Outside
	// what the lots left out hold. If fn returns an error nothing is written and the error
	// is returned as is. Otherwise every account is stored with Version increased by one —
	// the lots fn's account holds replace the stored lots of the same ID or are added, the
	// lots left out stay as they are, and Outside is not stored — and the commit's entries
	// and command record are stored with them, all in one atomic step. If the commit's command key was already
	// recorded for the programme, nothing is written and Update fails with kehu.ErrDuplicate;
	// if kehu.CheckKey refuses it, nothing is written and Update returns that error. A key is
	// stored as given, byte for byte. keys may be empty: an Update of no accounts still
	// records its command (a command that was applied and changed nothing, such as an order
	// that earned no points, answers its retries from the record).
	// Updates of the same account are serialised, or all but one fail with kehu.ErrConflict.
	// fn may run while the store holds locks (a SQL store runs it inside its transaction):
	// it must be quick and must not call the store.
	Update(ctx context.Context, keys []AccountKey, need Need, fn func(accounts []*Account) (*Commit, error)) error
	// Account returns the account with every lot, in the order the lots were added, or
	// kehu.ErrNotFound.
	Account(ctx context.Context, key AccountKey) (*Account, error)
	// MemberAccounts returns every account of a customer in a programme, by point type,
	// the ledger's internal accounts included (see IsInternalAccount).
	MemberAccounts(ctx context.Context, program string, customer crm.CustomerID) ([]*Account, error)
	// Entry returns the entry, or kehu.ErrNotFound.
	Entry(ctx context.Context, id EntryID) (*Entry, error)
	// Entries returns one page of an account's entries with From ≤ At < To (zero bounds are
	// open), in the order they were written.
	Entries(ctx context.Context, key AccountKey, q EntryQuery) (kehu.Page[Entry], error)
	// EntriesBySource returns every entry of a programme with the source type and reference
	// (e.g. all entries of order "SO-1"), in the order they were written.
	EntriesBySource(ctx context.Context, program, sourceType, ref string) ([]Entry, error)
	// Command returns the record of the command with the key, or kehu.ErrNotFound.
	Command(ctx context.Context, program, key string) (*Command, error)
	// ScanAccounts returns one page of a programme's accounts in key order, internal ones
	// included. With DueBy set, only accounts holding a lot with points left, not yet
	// expired by an entry, whose ExpiresAt is at or before DueBy.
	ScanAccounts(ctx context.Context, program string, q ScanQuery) (kehu.Page[*Account], error)
}

// Need says which of an account's lots an Update's function works on. Members gather lots
// for as long as they earn, while a command draws on a few: a store hands the function each
// account's working set rather than its history, and a store that keeps lots apart (rows of
// a table, a sorted list) reads and writes only those. A store may hand more lots than Need
// asks for; handing every lot is always correct.
//
// The working set of an account holds:
//
//   - every lot with points that is pending at At, or past its expiry at At with no
//     expiry entry yet (ExpiredAt zero): the ledger expires these first;
//   - the lots spendable at At (Lot.Spendable), in Policy's order from the first, until
//     they hold at least Spend points, or all of them;
//   - the lots named in Lots, whatever they hold;
//   - every lot, when All is set or the account is a counter (IsCounterAccount).
//
// The accounts of tier figures, "$spend" and "$purchases", are internal but not counters:
// like a point type's, their working set is what the rules above pick out, not every lot
// of every order the member placed (a store that hands them every lot is correct, and
// only slower).
//
// So every lot left out that holds points is spendable at At, and what the lots left out
// hold (Account.Outside) counts as available.
type Need struct {
	At     time.Time
	Spend  int64
	Policy SpendPolicy
	Lots   []LotID
	All    bool
}

// OpenReader is implemented by a store that reads an account's open lots — those with
// points left — without the spent, expired and returned ones, so that Service.Balance costs
// what the member holds rather than what the member ever earned. The service uses it when
// the store has it, and Store.Account otherwise.
type OpenReader interface {
	// OpenAccount returns the account with its lots that have points left (Remaining > 0),
	// in the order they were added, or kehu.ErrNotFound: Store.Account's answer without
	// the other lots.
	OpenAccount(ctx context.Context, key AccountKey) (*Account, error)
}

// Totals is implemented by a store that sums a programme's lots and entries itself — a SQL
// store, as aggregates — so that Service.Liability and Service.Breakage need not read every
// account. Its answers must equal what the service works out from ScanAccounts and Entries
// (loyaltytest checks that they do); internal accounts (IsInternalAccount) are left out.
// A sum past the range of an int64 is an error.
type Totals interface {
	// Outstanding returns, per point type with accounts, what the programme's accounts hold
	// at asOf as Account.BalanceAt counts it: Available summed over the accounts where it
	// is positive, Pending and Debt over all of them; in point type order.
	Outstanding(ctx context.Context, program string, asOf time.Time) ([]Outstanding, error)
	// Flows returns, per point type with such entries, the points earned (Σ Points of the
	// KindEarn entries) and expired (−Σ Points of the KindExpire entries) with
	// from ≤ At < to; in point type order.
	Flows(ctx context.Context, program string, from, to time.Time) ([]Flow, error)
}

// Outstanding is what a programme's accounts of one point type hold at an instant.
type Outstanding struct {
	PointType string `json:"point_type"`
	Available int64  `json:"available"`
	Pending   int64  `json:"pending"`
	Debt      int64  `json:"debt"`
}

// Flow is what a programme's accounts of one point type earned and lost to expiry in a
// period.
type Flow struct {
	PointType string `json:"point_type"`
	Earned    int64  `json:"earned"`
	Expired   int64  `json:"expired"`
}

// EntryQuery selects an account's entries.
type EntryQuery struct {
	From, To time.Time
	kehu.PageRequest
}

// ScanQuery selects a programme's accounts.
type ScanQuery struct {
	// DueBy, when set, keeps accounts with points due to expire by then.
	DueBy time.Time
	// KeysOnly says that the caller reads only the accounts' keys, as a sweep does that then
	// updates each account: ScanAccounts may then return each account with its Key alone,
	// without reading its lots. The page holds the same accounts in the same order either
	// way. (ScanMembers ignores it.)
	KeysOnly bool
	kehu.PageRequest
}
