package crmtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/internal/suite"
)

func keyTests() []test {
	return []test{
		{Name: "BadKeysRefused", Run: testBadKeysRefused},
		{Name: "KeysStoredAsGiven", Run: testKeysStoredAsGiven},
	}
}

// testBadKeysRefused checks that every write that takes a key refuses the keys
// kehu.CheckKey refuses, with its error, and writes nothing.
func testBadKeysRefused(t *testing.T, h *harness) {
	c := h.add(crm.Profile{Name: crm.Name{Display: "Key Holder"}})
	for _, bk := range suite.BadKeys() {
		other := h.customer(crm.Profile{Name: crm.Name{Display: "Bad Key"}})
		first := h.firstChange(other)
		first.Key = bk.Key
		suite.RequireBadKey(t, h.s.CreateCustomer(h.ctx, other, first), bk.Rule, fmt.Sprintf("CreateCustomer with key %q", bk.Key))
		_, err := h.s.GetCustomer(h.ctx, other.ID)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "a refused create must store nothing")

		err = h.s.UpdateCustomer(h.ctx, c.ID, func(x *crm.Customer) (*crm.Change, error) {
			x.Owner = "am-99"
			return &crm.Change{ID: h.changeID(), CustomerID: c.ID, Version: x.Version + 1, At: h.clock.Now(),
				Actor: actor, Action: crm.ActionUpdate, Key: bk.Key}, nil
		})
		suite.RequireBadKey(t, err, bk.Rule, fmt.Sprintf("UpdateCustomer with change key %q", bk.Key))
		got, err := h.s.GetCustomer(h.ctx, c.ID)
		require.NoError(t, err)
		assert.Empty(t, got.Owner, "a refused update must write nothing")

		in := h.newInteraction(c.ID, h.clock.Now(), "bad key")
		in.Key = bk.Key
		suite.RequireBadKey(t, h.s.CreateInteraction(h.ctx, in), bk.Rule, fmt.Sprintf("CreateInteraction with key %q", bk.Key))
		_, err = h.s.GetInteraction(h.ctx, in.ID)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "a refused interaction must store nothing")
	}
}

// testKeysStoredAsGiven checks that a store keeps keys byte for byte: spaces, case and
// multi-byte runes, up to kehu.MaxKeyLen bytes.
func testKeysStoredAsGiven(t *testing.T, h *harness) {
	for _, key := range []string{" padded ", "Case-Key", strings.Repeat("鍵", kehu.MaxKeyLen/3)} {
		c := h.customer(crm.Profile{Name: crm.Name{Display: "Exact Key"}})
		h.setKey(c, key)
		h.create(c)
		got, err := h.s.GetCustomerByKey(h.ctx, key)
		require.NoError(t, err, "GetCustomerByKey(%q) must find the customer created with it", key)
		assert.Equal(t, c.ID, got.ID)
		in := h.newInteraction(c.ID, h.clock.Now(), "exact key")
		in.Key = key
		h.createInteraction(in)
		gotIn, err := h.s.GetInteractionByKey(h.ctx, key)
		require.NoError(t, err, "GetInteractionByKey(%q)", key)
		assert.Equal(t, key, gotIn.Key, "the key comes back as given")
	}
}
