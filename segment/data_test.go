package segment_test

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/segment"
)

// openTestdata opens a file of the repository's testdata folder, where the datasets the
// tests read live with their source and licence (SOURCE.md in each folder). A name ending
// in .gz is decompressed. The data is part of the repository: a missing file fails the
// test.
func openTestdata(t testing.TB, name string) io.Reader {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", filepath.FromSlash(name)))
	require.NoError(t, err, "the test data is part of the repository")
	t.Cleanup(func() { f.Close() })
	if !strings.HasSuffix(name, ".gz") {
		return f
	}
	zr, err := gzip.NewReader(f)
	require.NoError(t, err, name)
	return zr
}

// retailDays is the Online Retail extract, testdata/online-retail/by-day (one gzipped CSV
// per trading day), decompressed into memory once under the original file names
// (2010-12-01.csv …), for segment.ReadOnlineRetail.
var retailDays = sync.OnceValues(func() (fstest.MapFS, error) {
	names, err := filepath.Glob(filepath.Join("..", "testdata", "online-retail", "by-day", "*.csv.gz"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("testdata/online-retail/by-day holds no .csv.gz file")
	}
	fsys := fstest.MapFS{}
	for _, name := range names {
		b, err := readGzip(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		fsys[strings.TrimSuffix(filepath.Base(name), ".gz")] = &fstest.MapFile{Data: b}
	}
	return fsys, nil
})

func readGzip(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// onlineRetail returns the Online Retail daily files (see retailDays).
func onlineRetail(t testing.TB) fs.FS {
	t.Helper()
	fsys, err := retailDays()
	require.NoError(t, err, "the test data is part of the repository")
	return fsys
}

// loadCDNOWSample reads testdata/cdnow/CDNOW_sample.txt.gz.
func loadCDNOWSample(t testing.TB) []segment.Transaction {
	t.Helper()
	txns, rej, err := segment.ReadCDNOW(openTestdata(t, "cdnow/CDNOW_sample.txt.gz"))
	require.NoError(t, err)
	require.Zero(t, rej.Total(), "rejected: %s", rej)
	return txns
}

func TestReadCDNOW(t *testing.T) {
	txns := loadCDNOWSample(t)
	// Published in testdata/cdnow/SOURCE.md: 6,919 transactions of 2,357 customers,
	// total value $244,091.94, 8 rows of 0.00.
	assert.Len(t, txns, 6919)
	customers := map[string]bool{}
	total := decimal.Zero
	zeros := 0
	for _, tx := range txns {
		customers[tx.Customer] = true
		total = total.Add(tx.Amount)
		if tx.Amount.IsZero() {
			zeros++
		}
	}
	assert.Len(t, customers, 2357)
	assert.True(t, total.Equal(decimal.RequireFromString("244091.94")), "total %s", total)
	assert.Equal(t, 8, zeros)
	assert.Equal(t, "1", txns[0].Customer)
	assert.Equal(t, time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC), txns[0].At)

	t.Run("master", func(t *testing.T) {
		txns, rej, err := segment.ReadCDNOW(openTestdata(t, "cdnow/CDNOW_master.txt.gz"))
		require.NoError(t, err)
		assert.Zero(t, rej.Total())
		// testdata/cdnow/SOURCE.md: 69,659 transactions of 23,570 customers, $2,500,315.63.
		assert.Len(t, txns, 69659)
		ids := map[string]bool{}
		sum := decimal.Zero
		for _, tx := range txns {
			ids[tx.Customer] = true
			sum = sum.Add(tx.Amount)
		}
		assert.Len(t, ids, 23570)
		assert.True(t, sum.Equal(decimal.RequireFromString("2500315.63")), "total %s", sum)
	})
}

func TestReadCDNOWMalformed(t *testing.T) {
	in := " customer_id  date number_of_cds  dollar_value\r\n" +
		" 00001 19970101  1   11.77\r\n" +
		"\r\n" +
		" 00002 19971301  1   11.77\r\n" + // month 13
		" 00003 19970101  1   -1.00\r\n" + // negative
		" 00004 19970101  1\r\n" + // three fields
		" x0005 0001 19970101  1   1.00\r\n" // bad id
	txns, rej, err := segment.ReadCDNOW(strings.NewReader(in))
	require.NoError(t, err)
	require.Len(t, txns, 1)
	assert.Equal(t, "1", txns[0].Customer)
	assert.Equal(t, segment.Rejections{segment.RejectMalformed: 4}, rej)
}

// retailRow is one raw row of the Online Retail files, read independently of the package
// under test with encoding/csv only.
type retailRow struct {
	invoice, sku, customer string
	qty                    int64
	price                  *big.Rat
	at                     string
}

func loadRetailRaw(t testing.TB, fsys fs.FS) []retailRow {
	t.Helper()
	names, err := fs.Glob(fsys, "*.csv")
	require.NoError(t, err)
	sort.Strings(names)
	var rows []retailRow
	for _, name := range names {
		f, err := fsys.Open(name)
		require.NoError(t, err)
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		require.NoError(t, err)
		for _, r := range recs[1:] {
			q, err := strconv.ParseInt(r[3], 10, 64)
			require.NoError(t, err)
			p, ok := new(big.Rat).SetString(r[5])
			require.True(t, ok, r[5])
			rows = append(rows, retailRow{invoice: r[0], sku: r[1], customer: r[6], qty: q, price: p, at: r[4]})
		}
	}
	return rows
}

func TestReadOnlineRetail(t *testing.T) {
	days := onlineRetail(t)
	txns, rep, err := segment.ReadOnlineRetail(days, "*.csv")
	require.NoError(t, err)

	// Published reference counts (pandas) in testdata/online-retail/SOURCE.md.
	assert.Equal(t, 68, rep.Files)
	assert.Equal(t, 105335, rep.Rows)
	assert.Equal(t, 36210, rep.Flagged[segment.RejectNoCustomer])
	assert.Equal(t, 1904, rep.Flagged[segment.RejectCancelled])
	assert.Equal(t, 540, rep.Flagged[segment.RejectNonPositivePrice])
	assert.Equal(t, 67313, rep.Accepted)
	assert.Equal(t, 1682, rep.Customers)
	assert.Equal(t, 3384, rep.Invoices)
	assert.True(t, rep.Revenue.Equal(decimal.RequireFromString("1589296.28")), "revenue %s", rep.Revenue)
	assert.Len(t, txns, 3384)
	assert.Equal(t, rep.Rows, rep.Accepted+rep.Rejected.Total(), "every row is accepted or counted")

	// Independent computation: the same filters written out over encoding/csv rows.
	raw := loadRetailRaw(t, days)
	require.Len(t, raw, 105335)
	var noCust, cancelled, qtyLE0, qtyLT0, priceLE0, kept int
	var first = map[segment.RejectReason]int{}
	invoices, customers := map[string]bool{}, map[string]bool{}
	revenue := new(big.Rat)
	for _, r := range raw {
		c, nc, q, p := strings.HasPrefix(r.invoice, "C"), r.customer == "", r.qty <= 0, r.price.Sign() <= 0
		if nc {
			noCust++
		}
		if c {
			cancelled++
		}
		if q {
			qtyLE0++
		}
		if r.qty < 0 {
			qtyLT0++
		}
		if p {
			priceLE0++
		}
		switch {
		case c:
			first[segment.RejectCancelled]++
		case nc:
			first[segment.RejectNoCustomer]++
		case q:
			first[segment.RejectNonPositiveQuantity]++
		case p:
			first[segment.RejectNonPositivePrice]++
		default:
			kept++
			invoices[r.invoice] = true
			customers[r.customer] = true
			revenue.Add(revenue, new(big.Rat).Mul(r.price, new(big.Rat).SetInt64(r.qty)))
		}
	}
	assert.Equal(t, 2118, qtyLT0, "testdata/online-retail/SOURCE.md: rows with Quantity<0")
	assert.Equal(t, noCust, rep.Flagged[segment.RejectNoCustomer])
	assert.Equal(t, cancelled, rep.Flagged[segment.RejectCancelled])
	assert.Equal(t, qtyLE0, rep.Flagged[segment.RejectNonPositiveQuantity])
	assert.Equal(t, priceLE0, rep.Flagged[segment.RejectNonPositivePrice])
	assert.Zero(t, rep.Flagged[segment.RejectMalformed])
	for reason, n := range first {
		assert.Equal(t, n, rep.Rejected[reason], "first-reason count of %s", reason)
	}
	assert.Zero(t, rep.Rejected[segment.RejectCustomerConflict], "no invoice mixes customers")
	assert.Equal(t, kept, rep.Accepted)
	assert.Len(t, invoices, rep.Invoices)
	assert.Len(t, customers, rep.Customers)
	assert.Equal(t, revenue.FloatString(2), rep.Revenue.StringFixed(2))

	// Every transaction's amount is the exact sum of its lines; IDs lose the ".0".
	for _, tx := range txns {
		sum := decimal.Zero
		for _, l := range tx.Lines {
			sum = sum.Add(l.Amount)
		}
		require.True(t, sum.Equal(tx.Amount))
		require.NotContains(t, tx.Customer, ".")
	}
}

func TestRetailReaderRows(t *testing.T) {
	head := "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
	tests := []struct {
		name     string
		rows     string
		accepted int
		rejected segment.Rejections
		flagged  segment.Rejections
	}{
		{"good row", "536365,85123A,\"WHITE HANGING HEART, T-LIGHT\",6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n", 1,
			segment.Rejections{}, segment.Rejections{}},
		{"cancellation with negative quantity", "C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527.0,United Kingdom\n", 0,
			segment.Rejections{segment.RejectCancelled: 1},
			segment.Rejections{segment.RejectCancelled: 1, segment.RejectNonPositiveQuantity: 1}},
		{"no customer, zero price", "536414,22139,,56,2010-12-01 11:52:00,0,,United Kingdom\n", 0,
			segment.Rejections{segment.RejectNoCustomer: 1},
			segment.Rejections{segment.RejectNoCustomer: 1, segment.RejectNonPositivePrice: 1}},
		{"bad date", "536365,85123A,x,6,2010-12-01T08:26,2.55,17850.0,United Kingdom\n", 0,
			segment.Rejections{segment.RejectMalformed: 1}, segment.Rejections{segment.RejectMalformed: 1}},
		{"too few fields", "536365,85123A,x,6\n", 0,
			segment.Rejections{segment.RejectMalformed: 1}, segment.Rejections{segment.RejectMalformed: 1}},
		{"customer conflict", "536365,A,x,1,2010-12-01 08:26:00,1,1.0,UK\n536365,B,x,1,2010-12-01 08:26:00,1,2.0,UK\n", 1,
			segment.Rejections{segment.RejectCustomerConflict: 1}, segment.Rejections{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr := segment.NewRetailReader(nil)
			require.NoError(t, rr.Read(strings.NewReader(head+tt.rows)))
			rep := rr.Report()
			assert.Equal(t, tt.accepted, rep.Accepted)
			assert.Equal(t, tt.rejected, rep.Rejected)
			assert.Equal(t, tt.flagged, rep.Flagged)
			assert.Equal(t, rep.Rows, rep.Accepted+rep.Rejected.Total())
		})
	}
	t.Run("wrong header", func(t *testing.T) {
		rr := segment.NewRetailReader(nil)
		assert.Error(t, rr.Read(strings.NewReader("a,b,c\n1,2,3\n")))
		assert.Error(t, rr.Read(strings.NewReader("")))
	})
	t.Run("invoice lines merge", func(t *testing.T) {
		rr := segment.NewRetailReader(nil)
		require.NoError(t, rr.Read(strings.NewReader(head+
			"536365,A,x,6,2010-12-01 08:28:00,2.55,17850.0,UK\n"+
			"536365,B,x,2,2010-12-01 08:26:00,0.10,17850.0,UK\n")))
		txns := rr.Transactions()
		require.Len(t, txns, 1)
		assert.Equal(t, "17850", txns[0].Customer)
		assert.Equal(t, "15.5", txns[0].Amount.String())
		assert.Equal(t, time.Date(2010, 12, 1, 8, 26, 0, 0, time.UTC), txns[0].At, "earliest row")
		assert.Len(t, txns[0].Lines, 2)
	})
}

// FuzzReadCDNOW feeds arbitrary text to the CDNOW reader: it must never panic, and every
// transaction it returns must be valid input for Summarize.
func FuzzReadCDNOW(f *testing.F) {
	f.Add(" 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n")
	f.Add(" customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n")
	f.Add(" 1 2 3 4 5 6\n\n x y z w\n 00001 99999999 1 1e999999\n")
	f.Fuzz(func(t *testing.T, in string) {
		txns, rej, err := segment.ReadCDNOW(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, tx := range txns {
			if tx.Customer == "" || tx.At.IsZero() || tx.Amount.Sign() < 0 {
				t.Fatalf("invalid transaction %+v", tx)
			}
		}
		if rej.Total() < 0 {
			t.Fatal("negative count")
		}
		if len(txns) > 0 {
			end := txns[0].At
			for _, tx := range txns {
				if tx.At.After(end) {
					end = tx.At
				}
			}
			if _, err := segment.Summarize(txns, segment.Options{ObservationEnd: end}); err != nil {
				t.Fatalf("Summarize refused the reader's output: %v", err)
			}
		}
	})
}

// FuzzRetailReader feeds arbitrary rows to the Online Retail reader: it must never panic,
// and every row must be accepted or counted.
func FuzzRetailReader(f *testing.F) {
	head := "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
	f.Add("536365,85123A,\"WHITE HANGING HEART, T-LIGHT\",6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n")
	f.Add("C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527.0,United Kingdom\n536414,22139,,56,2010-12-01 11:52:00,0,,United Kingdom\n")
	f.Add("1,2,3\n\"unterminated,4\n")
	f.Add("536365,A,x,9223372036854775807,2010-12-01 08:26:00,1e30,1.0,UK\n")
	f.Fuzz(func(t *testing.T, rows string) {
		rr := segment.NewRetailReader(nil)
		if err := rr.Read(strings.NewReader(head + rows)); err != nil {
			return
		}
		rep := rr.Report()
		if rep.Rows != rep.Accepted+rep.Rejected.Total() {
			t.Fatalf("rows %d != accepted %d + rejected %d", rep.Rows, rep.Accepted, rep.Rejected.Total())
		}
		for _, tx := range rr.Transactions() {
			if tx.Customer == "" || tx.Amount.Sign() <= 0 || len(tx.Lines) == 0 {
				t.Fatalf("invalid transaction %+v", tx)
			}
		}
	})
}
