package loyalty_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/internal/exprpolicy"
	"github.com/kehu-crm/kehu/loyalty"
)

// A condition whose arithmetic leaves the finite numbers fails, so the rule gives nothing
// and Preview says which rule failed; it never compares +Inf or NaN and awards the bonus.
func TestNonFiniteArithmeticInARuleIsAnError(t *testing.T) {
	tests := []struct {
		name  string
		when  string
		attrs map[string]any
		is    error
	}{
		{"float division by zero", `order.total / member.attributes["visits"] > 0`,
			map[string]any{"visits": 0.0}, exprpolicy.ErrDivisionByZero},
		{"integer division by zero", `order.total / (order.lines - 1) > 0`, nil, exprpolicy.ErrDivisionByZero},
		{"zero by zero is not NaN", `order.total * 0 / member.attributes["visits"] != 1`,
			map[string]any{"visits": 0}, exprpolicy.ErrDivisionByZero},
		{"product overflows", `order.total * 1e308 > 1`, nil, exprpolicy.ErrNotFinite},
		{"infinite attribute", `member.attributes["score"] > 100`, map[string]any{"score": math.Inf(1)}, exprpolicy.ErrNotFinite},
		{"NaN attribute", `member.attributes["score"] != 0`, map[string]any{"score": math.NaN()}, exprpolicy.ErrNotFinite},
		{"NaN from float", `float(member.attributes["score"]) != 0`, map[string]any{"score": "NaN"}, exprpolicy.ErrNotFinite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := earnLoad(t, earnProgramJSON(fmt.Sprintf(`{"rules": [
				{"id": "bonus", "priority": 1, "when": %q, "effect": {"point_type": "points", "bonus": 10}}]}`, tt.when)))
			order := earnOrder(earnAt(2026, 6, 1, 12, 0, 0), "CNY", "30.00")
			e, err := p.Preview(order, loyalty.Member{Attributes: tt.attrs}, nil)
			require.Error(t, err)
			assert.Nil(t, e, "no award")
			var rerr *loyalty.RuleError
			require.ErrorAs(t, err, &rerr)
			assert.Equal(t, "bonus", rerr.RuleID)
			require.Error(t, rerr.Err, "the RuleError wraps the evaluation error")
			assert.ErrorIs(t, err, tt.is)
		})
	}
}

// A division by a constant zero, or a constant that overflows, is found when the
// programme is loaded.
func TestNonFiniteConstantArithmeticIsRefused(t *testing.T) {
	for _, when := range []string{"1 / 0 > 0", "1.0 / 0.0 > 0", "order.total / (2 - 2) > 0", "order.total > 1e308 * 10", "order.lines % 0 == 1"} {
		t.Run(when, func(t *testing.T) {
			verr := earnLoadErr(t, earnProgramJSON(fmt.Sprintf(`{"rules": [
				{"id": "bonus", "priority": 1, "when": %q, "effect": {"point_type": "points", "bonus": 10}}]}`, when)))
			assert.True(t, verr.Has("earning.rules[0].when", "expression"), "%v", verr)
		})
	}
}
