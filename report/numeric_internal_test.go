package report

import "testing"

func TestNumeric(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "5,000": true, "1234.5": true, "-3": true, "+0.0 pts": true, "−2.5": true,
		"45.2 %": true, "45.2%": true, "¥1,234.50": true, "$ 12": true, "1200.00 CNY": true, ".5": true,
		"2.5×": true, " 12 ": true, "12 days": true,
		"": false, "no data": false, "2026-01-01": false, "≥ 90.0 %": false, "A": false, "1.2.3": false,
		"12 per day": false, "12 abcdefghi": false, "5000 points": true, "6m0s": false, "20:41": false, ",5": false, "1 2": false, "¥": false, "%": false,
		"3 of 5": false, "Q4 2025": false,
	} {
		if got := numeric(s); got != want {
			t.Errorf("numeric(%q) = %v, want %v", s, got, want)
		}
	}
}
