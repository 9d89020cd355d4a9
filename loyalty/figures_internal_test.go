package loyalty

import "testing"

// TestFigureYearOf: a month's counter maps to its year's whatever the year's width (the
// counters name years with at least four digits), and nothing else maps to a year.
func TestFigureYearOf(t *testing.T) {
	for _, tt := range []struct {
		pointType, year string
		ok              bool
	}{
		{"$fig:2026", "$fig:2026", true},
		{"$fig:2026-03", "$fig:2026", true},
		{"$fig:0999-12", "$fig:0999", true},
		{"$fig:10000-01", "$fig:10000", true},
		{"$fig", "", false},
		{"$fig:", "", false},
		{"$figure", "", false},
		{"points", "", false},
		{"$cap:r1:day:2026-03-01", "", false},
	} {
		k := AccountKey{Program: "p", PointType: tt.pointType}
		got, ok := figureYearOf(k)
		if ok != tt.ok || (ok && (got.PointType != tt.year || got.Program != "p")) {
			t.Errorf("figureYearOf(%q) = %q, %v; want %q, %v", tt.pointType, got.PointType, ok, tt.year, tt.ok)
		}
	}
	if k := figureYearKey(AccountKey{}, 10000); k.PointType != "$fig:10000" {
		t.Errorf("figureYearKey(10000) = %q", k.PointType)
	}
}
