package segment

import (
	"time"

	"github.com/shopspring/decimal"
)

// Transaction is one purchase of a customer. Amount is the order total (decimal, in one
// currency across a dataset); Lines are optional. FromOrder and Orders make transactions
// from kehu.Order values.
type Transaction struct {
	Customer string          `json:"customer"`
	At       time.Time       `json:"at"`
	Amount   decimal.Decimal `json:"amount"`
	Lines    []Line          `json:"lines,omitempty"`
}

// Line is one product line of a transaction.
type Line struct {
	SKU      string          `json:"sku"`
	Category string          `json:"category,omitempty"`
	Quantity int64           `json:"quantity"`
	Amount   decimal.Decimal `json:"amount"`
}

// Period is the time unit of a summary: the BTYD models count purchases per period.
type Period string

// Periods.
const (
	Day   Period = "day"
	Week  Period = "week"
	Month Period = "month" // 365.2425/12 days, numpy's timedelta64(1, "M") that lifetimes divides by
)

// Summary is one customer's purchase history in the form the BTYD literature uses (Fader,
// Hardie & Lee 2005) and lifetimes computes, with units explicit.
type Summary struct {
	Customer string `json:"customer"`
	// Frequency x is the number of repeat purchase periods: periods with a purchase, less
	// the first.
	Frequency int `json:"frequency"`
	// Recency t_x is the customer's age at their last purchase, in Period units since the
	// first purchase (0 for one-time buyers).
	Recency float64 `json:"recency"`
	// T is the customer's age at the observation end, in Period units since the first
	// purchase.
	T float64 `json:"t"`
	// Monetary is the mean value of the repeat purchases (each period's purchases summed;
	// the first period excluded); zero for one-time buyers.
	Monetary decimal.Decimal `json:"monetary"`
	// DaysSinceLast is the RFM convention of recency: whole days from the last purchase to
	// the observation end.
	DaysSinceLast int `json:"days_since_last"`
	// Total is the customer's whole spend in the observation window; Orders the number of
	// transactions (not periods).
	Total  decimal.Decimal `json:"total"`
	Orders int             `json:"orders"`
	// Holdout figures, set when a calibration end splits the history: repeat purchase
	// periods and mean value after the calibration end, and the holdout length in periods.
	HoldoutFrequency int             `json:"holdout_frequency,omitempty"`
	HoldoutMonetary  decimal.Decimal `json:"holdout_monetary,omitzero"`
	HoldoutDuration  float64         `json:"holdout_duration,omitempty"`
}

// IndexByCustomer maps each customer to the position of their summary, so that one
// customer's summary is found without a search: summaries[i] for i, ok :=
// index[customer]. RFM, ValuesOf, CLVForecasts and ChurnScores return their results in
// the order of the summaries, so the same position finds the customer's result in those
// too. A customer listed twice, which Summarize never does,
// maps to the first.
func IndexByCustomer(summaries []Summary) map[string]int {
	index := make(map[string]int, len(summaries))
	for i, s := range summaries {
		if _, seen := index[s.Customer]; !seen {
			index[s.Customer] = i
		}
	}
	return index
}
