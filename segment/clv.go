package segment

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/kehu-crm/kehu"
)

// CLVOptions tunes CLV. A nil *CLVOptions, and any zero field, means the default.
type CLVOptions struct {
	// Months is the horizon in months (default 12, at most 1200).
	Months int
	// DiscountRate is the monthly discount rate d (default 0.01, about 12.7 % a year);
	// set NoDiscount for an undiscounted value.
	DiscountRate float64
	// NoDiscount turns discounting off (d = 0).
	NoDiscount bool
	// PeriodsPerMonth overrides the number of model periods in a month that the period
	// argument implies (Day 30, Week 4.345, Month 1, as lifetimes counts them). A BG/BB
	// model needs a whole number here, since its time is counted in opportunities. It
	// must be positive, and the horizon Months × PeriodsPerMonth finite.
	PeriodsPerMonth float64
}

// resolve validates the options and returns the horizon in months, the monthly
// discount rate and the model periods per month.
func (o *CLVOptions) resolve(period Period) (months int, discount, factor float64, err error) {
	var r CLVOptions
	if o != nil {
		r = *o
	}
	var p fieldProblems
	months = r.Months
	switch {
	case months == 0:
		months = 12
	case months < 0 || months > 1200:
		p.add("months", "range", "%d is not between 1 and 1200", months)
	}
	discount = r.DiscountRate
	switch {
	case r.NoDiscount:
		discount = 0
	case !finiteNum(discount) || discount < 0:
		p.add("discount_rate", "range", "%v is not a non-negative finite rate", discount)
	case discount == 0:
		discount = 0.01
	}
	factor = r.PeriodsPerMonth
	switch {
	case factor != 0:
		if !(factor > 0) || !finiteNum(factor*float64(max(months, 1))) {
			p.add("periods_per_month", "range", "%v is not a positive number with a finite horizon", factor)
		}
	case period == Day:
		factor = 30
	case period == Week:
		factor = 4.345
	case period == Month:
		factor = 1
	default:
		p.add("period", "enum", "%q is not day, week or month (or set PeriodsPerMonth)", string(period))
	}
	return months, discount, factor, p.err()
}

// CLVForecast is the lifetime-value forecast of one customer.
type CLVForecast struct {
	Customer string `json:"customer"`
	// ExpectedPurchases is the number of purchases expected over the horizon
	// (undiscounted).
	ExpectedPurchases float64 `json:"expected_purchases"`
	// ExpectedSpend is the Gamma-Gamma expected spend per purchase.
	ExpectedSpend float64 `json:"expected_spend"`
	// ProbabilityAlive is the transaction model's P(alive) at the end of observation.
	ProbabilityAlive float64 `json:"probability_alive"`
	// CLV is the discounted value over the horizon, in the currency of Monetary. It is a
	// model estimate and therefore a float64; round it to money (kehu.Money) only for
	// display.
	CLV float64 `json:"clv"`
}

// CLV returns the discounted customer lifetime value of one customer over a horizon,
// combining a transaction model with the Gamma-Gamma spend model exactly as lifetimes'
// customer_lifetime_value does:
//
//	CLV = Σ_{i=1}^{months} E[purchases in month i] · E[spend] / (1 + d)^i,
//
// where E[purchases in month i] = E[Y(i·f) | x, t_x, T] − E[Y((i−1)·f) | x, t_x, T] for
// f model periods per month (f = 4.345 for weekly summaries, 30 for daily, 1 for
// monthly), E[spend] is GammaGamma.ConditionalExpectedSpend(x, Monetary) and d is the
// monthly discount rate. period is the unit of the summary's Recency and T, the unit
// the model was fitted in.
//
// Note that lifetimes' default is freq="D" (f = 30) even for the weekly CDNOW
// summaries of its documentation; pass the period the data are really in.
func CLV(m TransactionModel, spend *GammaGamma, s Summary, period Period, opts *CLVOptions) (float64, error) {
	v, err := ForecastCLV(m, spend, s, period, opts)
	return v.CLV, err
}

// ForecastCLV returns one customer's CLV forecast: the value CLV returns, with the
// expected purchases, the expected spend per purchase and P(alive) it is made of. It is
// CLVForecasts for one summary, computed by the same code, so it gives the same numbers;
// an error names the summary's fields as "summary.recency" and so on. On error the
// forecast holds only the customer.
func ForecastCLV(m TransactionModel, spend *GammaGamma, s Summary, period Period, opts *CLVOptions) (CLVForecast, error) {
	out, err := clvForecasts(m, spend, []Summary{s}, func(int) summaryRef { return oneSummary }, period, opts)
	if err != nil {
		return CLVForecast{Customer: s.Customer}, err
	}
	return out[0], nil
}

// CLVForecasts returns the CLV forecast of every customer, in input order; the first
// customer that cannot be valued stops it with an error naming the customer's index.
// Customers with the same history (x, t_x, T) share one transaction forecast, so a
// million customers cost about as much as their distinct histories. ForecastCLV forecasts
// one customer.
func CLVForecasts(m TransactionModel, spend *GammaGamma, summaries []Summary, period Period, opts *CLVOptions) ([]CLVForecast, error) {
	return clvForecasts(m, spend, summaries, func(i int) summaryRef { return summaryRef(i) }, period, opts)
}

// clvForecasts is CLVForecasts and ForecastCLV: ref names summaries[i] in errors.
func clvForecasts(m TransactionModel, spend *GammaGamma, summaries []Summary, ref func(i int) summaryRef, period Period,
	opts *CLVOptions) ([]CLVForecast, error) {
	months, discount, factor, err := checkCLVArgs(m, spend, period, opts)
	if err != nil {
		return nil, err
	}
	var p fieldProblems
	for i := range summaries {
		checkSummaryArgs(&p, ref(i), &summaries[i], true)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	type key struct {
		x     int
		tx, T float64
	}
	memo := make(map[key]historyValue)
	out := make([]CLVForecast, len(summaries))
	for i := range summaries {
		s := &summaries[i]
		k := key{s.Frequency, s.Recency, s.T}
		hv, ok := memo[k]
		if !ok {
			hv, err = historyForecast(m, ref(i), s.Frequency, s.Recency, s.T, months, discount, factor)
			if err != nil {
				return nil, err
			}
			memo[k] = hv
		}
		out[i], err = hv.value(spend, ref(i), *s)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkCLVArgs validates the models and options of the CLV functions.
func checkCLVArgs(m TransactionModel, spend *GammaGamma, period Period, opts *CLVOptions) (months int, discount, factor float64, err error) {
	if m == nil {
		return 0, 0, 0, invalidArg("model", "required", "the transaction model is nil")
	}
	if spend == nil {
		return 0, 0, 0, invalidArg("spend", "required", "the Gamma-Gamma spend model is nil")
	}
	return opts.resolve(period)
}

// historyValue is the spend-free part of a CLV forecast, shared by every customer with
// the same history.
type historyValue struct {
	alive      float64 // P(alive)
	purchases  float64 // E[Y(months·f)]
	discounted float64 // Σ_i (E[Y(i·f)] − E[Y((i−1)·f)]) / (1+d)^i
}

// historyForecast computes the transaction part of the CLV of a history; ref names its
// summary in errors.
func historyForecast(m TransactionModel, ref summaryRef, x int, tx, T float64, months int, discount, factor float64) (historyValue, error) {
	var hv historyValue
	alive, err := m.ProbabilityAlive(x, tx, T)
	if err != nil {
		return hv, summaryErr(ref, err)
	}
	if !(alive >= 0 && alive <= 1) {
		return hv, fmt.Errorf("%sP(alive) %v is not a probability: %w", ref.prefix(), alive, ErrNumerical)
	}
	hv.alive = alive
	prev := 0.0
	for i := 1; i <= months; i++ {
		e, err := m.ConditionalExpectedPurchases(float64(i)*factor, x, tx, T)
		if err != nil {
			var verr *kehu.ValidationError
			if errors.As(err, &verr) && verr.Has("t", "") {
				// the history passed ProbabilityAlive: the horizon is what the model refuses
				return hv, invalidArg("periods_per_month", "range",
					fmt.Sprintf("%v periods a month give a horizon the model refuses: %s", factor, verr.Fields[0].Message))
			}
			return hv, summaryErr(ref, err)
		}
		hv.discounted += (e - prev) / math.Pow(1+discount, float64(i))
		prev = e
	}
	hv.purchases = prev
	return hv, nil
}

// value completes a customer's forecast with the Gamma-Gamma expected spend: CLV is the
// spend times the discounted expected purchases.
func (hv historyValue) value(spend *GammaGamma, ref summaryRef, s Summary) (CLVForecast, error) {
	cv := CLVForecast{Customer: s.Customer, ProbabilityAlive: hv.alive, ExpectedPurchases: hv.purchases}
	mean := 0.0
	if s.Frequency > 0 {
		mean = s.Monetary.InexactFloat64()
	}
	es, err := spend.ConditionalExpectedSpend(s.Frequency, mean)
	if err != nil {
		return cv, summaryErr(ref, err)
	}
	cv.ExpectedSpend = es
	cv.CLV, err = finiteResult("CLV", es*hv.discounted)
	return cv, err
}

// checkSummaryArgs validates what CLV and the churn score read of a summary: a history
// (x, t_x, T) with finite, non-negative times, and, when spend is set, a repeat
// customer's Monetary, a non-negative amount. ref names the summary in the problems.
func checkSummaryArgs(p *fieldProblems, ref summaryRef, s *Summary, spend bool) {
	if !validHistory(s.Frequency, s.Recency, s.T) {
		checkHistory(p, ref.prefix(), s.Frequency, s.Recency, s.T)
	}
	if spend && s.Frequency > 0 && (s.Monetary.Sign() < 0 || !AmountInRange(s.Monetary)) {
		p.add(ref.prefix()+"monetary", "range", "%s is negative or out of range", s.Monetary.String())
	}
}

// summaryRef names a summary in errors: summaries[i] of a list, or oneSummary, the one
// summary of a single call. Its path is spelled only when an error needs it, so a million
// valid summaries cost no strings.
type summaryRef int

// oneSummary is the summary of a call that takes one ("summary.").
const oneSummary summaryRef = -1

// prefix is the summary's path with a dot: "summary." or "summaries[3].".
func (r summaryRef) prefix() string {
	if r < 0 {
		return "summary."
	}
	return "summaries[" + strconv.Itoa(int(r)) + "]."
}

// summaryErr puts the history fields of a model's validation error under the path of the
// summary they came from ("recency" becomes "summaries[3].recency", the spend model's
// "mean" the summary's "monetary"); other fields, such as a model parameter, are kept.
// Other errors are wrapped with the path.
func summaryErr(ref summaryRef, err error) error {
	prefix := ref.prefix()
	var verr *kehu.ValidationError
	if !errors.As(err, &verr) {
		return fmt.Errorf("%s: %w", prefix[:len(prefix)-1], err)
	}
	out := &kehu.ValidationError{Fields: slices.Clone(verr.Fields)}
	for i := range out.Fields {
		switch f := &out.Fields[i]; f.Field {
		case "frequency", "recency", "t":
			f.Field = prefix + f.Field
		case "mean":
			f.Field = prefix + "monetary"
		}
	}
	return out
}
