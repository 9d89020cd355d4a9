package survey

import "github.com/shopspring/decimal"

// Format writes a statistic for people with the given number of decimals (0 to 12),
// rounding half away from zero on the shortest decimal that reads back as v (so 8.125 is
// "8.13" at two decimals, as a person rounding the printed number would get, not "8.12" as
// the nearest binary value would). Statistics are computed and returned at full
// precision; Format is the one place they are rounded. A NaN or an infinity is written
// as strconv writes it.
func Format(v float64, decimals int) string {
	decimals = min(max(decimals, 0), 12)
	d, err := decimal.NewFromString(formatFloat(v))
	if err != nil {
		return formatFloat(v) // NaN, ±Inf
	}
	return d.Round(int32(decimals)).StringFixed(int32(decimals))
}
