package segment

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehu-crm/kehu"
)

// ReadCDNOW reads the CDNOW transaction files of Fader & Hardie (the 1/10 sample
// CDNOW_sample.txt or the full cohort CDNOW_master.txt, as distributed with lifetimes):
// whitespace-separated columns, one transaction per line, dates as YYYYMMDD (read as
// midnight UTC), dollar values as decimals.
//
// A line of five columns is the sample (master_id, sample_id, date, number_of_cds,
// dollar_value) and its customer is the sample_id without leading zeros, "1" to "2357",
// the ID column of lifetimes' cdnow_customers_summary.csv. A line of four columns is the
// master file (customer_id, date, number_of_cds, dollar_value) and its customer is the
// customer_id without leading zeros. The master file's header line and blank lines are
// skipped. Lines that cannot be read are not used and are counted under RejectMalformed;
// the error is only for a failing reader, or a nil one (rule "required" on "r").
func ReadCDNOW(r io.Reader) ([]Transaction, Rejections, error) {
	if r == nil {
		return nil, nil, kehu.Invalid("r", "required", "no reader")
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var out []Transaction
	rej := Rejections{}
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] == "customer_id" {
			continue
		}
		var id, date, cds, value string
		switch len(f) {
		case 5:
			if _, err := strconv.ParseUint(f[0], 10, 63); err != nil {
				rej[RejectMalformed]++
				continue
			}
			id, date, cds, value = f[1], f[2], f[3], f[4]
		case 4:
			id, date, cds, value = f[0], f[1], f[2], f[3]
		default:
			rej[RejectMalformed]++
			continue
		}
		n, err := strconv.ParseUint(id, 10, 63)
		if _, errCDs := strconv.ParseUint(cds, 10, 31); err != nil || errCDs != nil {
			rej[RejectMalformed]++
			continue
		}
		at, err := time.Parse("20060102", date)
		if err != nil || at.IsZero() {
			rej[RejectMalformed]++
			continue
		}
		amount, err := decimal.NewFromString(value)
		if err != nil || amount.Sign() < 0 || !AmountInRange(amount) {
			rej[RejectMalformed]++
			continue
		}
		out = append(out, Transaction{Customer: strconv.FormatUint(n, 10), At: at, Amount: amount})
	}
	if err := sc.Err(); err != nil {
		return out, rej, fmt.Errorf("segment: reading CDNOW: %w", err)
	}
	return out, rej, nil
}

// retailHeader is the header line of every Online Retail CSV file.
var retailHeader = []string{"InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"}

// RetailReport counts what RetailReader read and what it left out.
type RetailReport struct {
	// Files and Rows are the number of files and data rows read (header lines excluded).
	Files, Rows int
	// Accepted is the number of rows used, one order line each.
	Accepted int
	// Rejected counts every row left out once, under its first reason in this order:
	// RejectMalformed, RejectCancelled, RejectNoCustomer, RejectNonPositiveQuantity,
	// RejectNonPositivePrice, RejectCustomerConflict. Rows = Accepted + Rejected.Total().
	Rejected Rejections
	// Flagged counts rows by every problem they have (a cancellation with a negative
	// quantity and no customer counts three times), so each count can be checked against
	// a one-condition filter of the raw data. RejectCustomerConflict is only in Rejected.
	Flagged Rejections
	// Invoices and Customers are the numbers of transactions and of distinct customers.
	Invoices, Customers int
	// Revenue is Σ Quantity × UnitPrice over the accepted rows, exact.
	Revenue decimal.Decimal
}

// RetailReader reads the UCI Online Retail data set (Chen, Sain & Guo 2012), one CSV file
// at a time, into transactions: one per invoice, with one Line per row (SKU = StockCode,
// Quantity, Amount = Quantity × UnitPrice exactly). The invoice's time is that of its
// earliest row, read as wall-clock time in the reader's location; its customer is
// CustomerID without the ".0" the files carry ("17850.0" is "17850").
//
// Messy rows are never used silently: each is counted in the report by reason.
// Cancellations (InvoiceNo starting with "C"), rows without a CustomerID, rows with
// Quantity ≤ 0 or UnitPrice ≤ 0, unreadable rows, and rows whose CustomerID differs from
// the first row of their invoice are left out.
//
// A RetailReader is not safe for concurrent use. The zero value is not ready; use
// NewRetailReader.
type RetailReader struct {
	loc       *time.Location
	invoices  map[string]int // InvoiceNo → index in txns
	customers map[string]struct{}
	txns      []Transaction
	rep       RetailReport
}

// NewRetailReader returns a reader that reads InvoiceDate in loc (nil means UTC).
func NewRetailReader(loc *time.Location) *RetailReader {
	if loc == nil {
		loc = time.UTC
	}
	return &RetailReader{
		loc:       loc,
		invoices:  map[string]int{},
		customers: map[string]struct{}{},
		rep:       RetailReport{Rejected: Rejections{}, Flagged: Rejections{}, Revenue: decimal.Zero},
	}
}

// Read reads one CSV file, header line first. It fails when the header is not the Online
// Retail header or the reader fails; bad rows are counted, not errors. A nil src is rule
// "required" on "src", and the zero RetailReader, which is not ready, an error matching
// kehu.ErrInvalid.
func (rr *RetailReader) Read(src io.Reader) error {
	if rr.invoices == nil {
		return fmt.Errorf("segment: %w: the zero RetailReader is not ready; use NewRetailReader", kehu.ErrInvalid)
	}
	if src == nil {
		return kehu.Invalid("src", "required", "no reader")
	}
	cr := csv.NewReader(src)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("segment: reading the Online Retail header: %w", err)
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	if !slices.Equal(head, retailHeader) {
		return fmt.Errorf("segment: the header %q is not the Online Retail header %q", strings.Join(head, ","), strings.Join(retailHeader, ","))
	}
	rr.rep.Files++
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var perr *csv.ParseError
			if !errors.As(err, &perr) {
				return fmt.Errorf("segment: reading Online Retail: %w", err)
			}
			rr.rep.Rows++
			rr.rep.Rejected[RejectMalformed]++
			rr.rep.Flagged[RejectMalformed]++
			continue
		}
		rr.rep.Rows++
		rr.row(rec)
	}
}

// row handles one data row.
func (rr *RetailReader) row(rec []string) {
	var flags []RejectReason
	flag := func(r RejectReason) {
		rr.rep.Flagged[r]++
		flags = append(flags, r)
	}
	if len(rec) != len(retailHeader) {
		flag(RejectMalformed)
		rr.rep.Rejected[RejectMalformed]++
		return
	}
	invoice, sku, qtyS, dateS, priceS, custS := rec[0], rec[1], rec[3], rec[4], rec[5], rec[6]
	qty, errQ := strconv.ParseInt(strings.TrimSpace(qtyS), 10, 64)
	price, errP := decimal.NewFromString(strings.TrimSpace(priceS))
	at, errD := time.ParseInLocation("2006-01-02 15:04:05", strings.TrimSpace(dateS), rr.loc)
	if errP == nil && !AmountInRange(price) {
		errP = fmt.Errorf("unit price out of range")
	}
	if errQ == nil && (qty > 1e9 || qty < -1e9) {
		errQ = fmt.Errorf("quantity out of range")
	}
	if errQ != nil || errP != nil || errD != nil || invoice == "" {
		flag(RejectMalformed)
	}
	if strings.HasPrefix(invoice, "C") {
		flag(RejectCancelled)
	}
	cust := strings.TrimSpace(custS)
	if cust == "" {
		flag(RejectNoCustomer)
	}
	if errQ == nil && qty <= 0 {
		flag(RejectNonPositiveQuantity)
	}
	if errP == nil && price.Sign() <= 0 {
		flag(RejectNonPositivePrice)
	}
	if len(flags) > 0 {
		rr.rep.Rejected[flags[0]]++
		return
	}
	cust = retailCustomer(cust)

	i, ok := rr.invoices[invoice]
	if !ok {
		i = len(rr.txns)
		rr.invoices[strings.Clone(invoice)] = i
		rr.txns = append(rr.txns, Transaction{Customer: cust, At: at, Amount: decimal.Zero})
		rr.customers[cust] = struct{}{}
	}
	t := &rr.txns[i]
	if t.Customer != cust {
		rr.rep.Rejected[RejectCustomerConflict]++
		return
	}
	amount := price.Mul(decimal.NewFromInt(qty))
	if at.Before(t.At) {
		t.At = at
	}
	t.Amount = t.Amount.Add(amount)
	t.Lines = append(t.Lines, Line{SKU: strings.Clone(sku), Quantity: qty, Amount: amount})
	rr.rep.Accepted++
	rr.rep.Revenue = rr.rep.Revenue.Add(amount)
}

// retailCustomer drops the ".0" of a float-formatted CustomerID.
func retailCustomer(s string) string {
	if n, ok := strings.CutSuffix(s, ".0"); ok && n != "" {
		if _, err := strconv.ParseUint(n, 10, 63); err == nil {
			return strings.Clone(n)
		}
	}
	return strings.Clone(s)
}

// Transactions returns the invoices read so far, in order of first appearance. The slice
// is the caller's; the lines are shared with later calls.
func (rr *RetailReader) Transactions() []Transaction { return slices.Clone(rr.txns) }

// Report returns the counts so far.
func (rr *RetailReader) Report() RetailReport {
	rep := rr.rep
	rep.Rejected = cloneRejections(rr.rep.Rejected)
	rep.Flagged = cloneRejections(rr.rep.Flagged)
	rep.Invoices = len(rr.txns)
	rep.Customers = len(rr.customers)
	return rep
}

func cloneRejections(r Rejections) Rejections {
	out := make(Rejections, len(r))
	for k, v := range r {
		out[k] = v
	}
	return out
}

// ReadOnlineRetail reads every file of fsys matching pattern (fs.Glob syntax, e.g.
// "by-day/*.csv"), in lexical order, with a RetailReader in UTC. A nil fsys is rule
// "required" on "fsys".
func ReadOnlineRetail(fsys fs.FS, pattern string) ([]Transaction, RetailReport, error) {
	if fsys == nil {
		return nil, RetailReport{}, kehu.Invalid("fsys", "required", "no file system")
	}
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, RetailReport{}, fmt.Errorf("segment: %w", err)
	}
	if len(names) == 0 {
		return nil, RetailReport{}, fmt.Errorf("segment: no file matches %q", pattern)
	}
	slices.Sort(names)
	rr := NewRetailReader(time.UTC)
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, RetailReport{}, fmt.Errorf("segment: %w", err)
		}
		if err := rr.Read(bytes.NewReader(b)); err != nil {
			return nil, RetailReport{}, fmt.Errorf("%w (in %s)", err, name)
		}
	}
	return rr.Transactions(), rr.Report(), nil
}
