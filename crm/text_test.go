package crm_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// TestLookupsRefuseBadText checks that searches and lookups refuse text no store can
// compare as given, on its field, as every command does (crmtest's Text group).
func TestLookupsRefuseBadText(t *testing.T) {
	f := newFixture(t)
	f.create(t, wang())
	for _, tt := range []struct {
		name, field, rule string
		run               func() error
	}{
		{"keyword not UTF-8", "keyword", "encoding", func() error { _, err := f.svc.Search(f.ctx, crm.Query{Keyword: "wang\xff"}); return err }},
		{"keyword NUL", "keyword", "control_char", func() error { _, err := f.svc.Search(f.ctx, crm.Query{Keyword: "wang\x00"}); return err }},
		{"tag not UTF-8", "tags[0]", "encoding", func() error { _, err := f.svc.Search(f.ctx, crm.Query{Tags: []string{"VIP\xff"}}); return err }},
		{"tag NUL", "tags[0]", "control_char", func() error { _, err := f.svc.Search(f.ctx, crm.Query{Tags: []string{"vip\x00"}}); return err }},
		{"owner not UTF-8", "owner", "encoding", func() error { _, err := f.svc.Search(f.ctx, crm.Query{Owner: "am\xff"}); return err }},
		{"owner NUL", "owner", "control_char", func() error { _, err := f.svc.Search(f.ctx, crm.Query{Owner: "am\x00"}); return err }},
		{"email not UTF-8", "email", "encoding", func() error { _, err := f.svc.FindByEmail(f.ctx, "wang\xff@example.com"); return err }},
		{"email NUL", "email", "control_char", func() error { _, err := f.svc.FindByEmail(f.ctx, "wang\x00@example.com"); return err }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			var verr *kehu.ValidationError
			require.True(t, errors.As(err, &verr), "%v", err)
			assert.True(t, verr.Has(tt.field, tt.rule), "%v", err)
		})
	}
}
