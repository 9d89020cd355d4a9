package exprpolicy_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/exprpolicy"
)

// shopEnv is an environment with nested objects and functions, as loyalty's are.
type shopEnv struct {
	Basket   basketVars        `expr:"basket"`
	Buyer    *buyerVars        `expr:"buyer"`
	Items    []itemVars        `expr:"items"`
	HasTag   func(string) bool `expr:"hasTag"`
	InGroup  func(string) bool `expr:"inGroup"`
	Discount func(int) float64 `expr:"discount"`
	embedded
}

type embedded struct {
	Channel string `expr:"channel"`
}

type basketVars struct {
	Total      float64 `expr:"total"`
	TotalMinor int64   `expr:"total_minor"`
	Lines      int     `expr:"lines"`
}

type buyerVars struct {
	Tier            string `expr:"tier"`
	DaysSinceJoined int    `expr:"days_since_joined"`
}

type itemVars struct {
	SKU string `expr:"sku"`
}

func TestCompileMessagesUseExpressionNames(t *testing.T) {
	tests := []struct{ name, src, message string }{
		{"misspelt field", "basket.totl > 1", "basket has no field totl; did you mean total? (1:8)"},
		{"Go field name", "buyer.DaysSinceJoined > 1", "buyer has no field DaysSinceJoined; did you mean days_since_joined?"},
		{"far from every field", "basket.colour > 1", "basket has no field colour; its fields are total, total_minor, lines (1:8)"},
		{"field of a list element", `items[0].skus == "A"`, "items[…] has no field skus; did you mean sku?"},
		{"misspelt function", `hasTg("a")`, "unknown name hasTg; did you mean hasTag? (1:1)"},
		{"embedded field", `chanel == "web"`, "unknown name chanel; did you mean channel?"},
		{"unknown name", "price > 1", "unknown name price; known names are basket, buyer, items, hasTag, inGroup, discount, channel (1:1)"},
		{"object compared", "basket > 1", "invalid operation: > (mismatched types basket and int)"},
		{"pointer object compared", `buyer == "x"`, "mismatched types buyer and string"},
		{"one function of its type", "discount", "expected bool, but got the function discount"},
		{"functions of one type", "hasTag", "expected bool, but got a function (hasTag or inGroup)"},
		{"argument", "hasTag(1)", "cannot use int as argument (type string) to call hasTag (1:8)"},
		{"embedded field is seen", `channel == 1`, "mismatched types string and int"},
		{"scalar field", "basket.lines.x > 1", "type int has no field x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p kehu.Problems
			prog := exprpolicy.Compile(&p, "when", tt.src, shopEnv{})
			require.Nil(t, prog)
			var verr *kehu.ValidationError
			require.ErrorAs(t, p.Err(), &verr)
			require.Len(t, verr.Fields, 1)
			msg := verr.Fields[0].Message
			assert.Contains(t, msg, tt.message)
			for _, goName := range []string{"exprpolicy_test.", "Vars", "shopEnv", "struct", "func(", "  "} {
				assert.NotContains(t, msg, goName)
			}
		})
	}
}
