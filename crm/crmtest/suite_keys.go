package crmtest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

func keyTests() []test {
	return []test{
		{Name: "BadKeysRefused", Run: testBadKeysRefused},
		{Name: "KeysStoredAsGiven", Run: testKeysStoredAsGiven},
	}
}

// badKeys are keys kehu.CheckKey refuses, with the rule each breaks.
var badKeys = []struct{ key, rule string }{
	{strings.Repeat("k", kehu.MaxKeyLen+1), "max_length"},
	{"bad\xffutf8", "encoding"},
	{"nul\x00key", "control_char"},
}

func requireBadKey(t *testing.T, err error, rule, what string) {
	t.Helper()
	var verr *kehu.ValidationError
	require.True(t, errors.As(err, &verr), "%s: a store must refuse the key with a *kehu.ValidationError, got %v", what, err)
	assert.True(t, verr.Has("key", rule), "%s: want rule %q on field key, got %v", what, rule, err)
}

// testBadKeysRefused checks that every write that takes a key refuses the keys
// kehu.CheckKey refuses, with its error, and writes nothing.
func testBadKeysRefused(t *testing.T, h *harness) {
	c := h.add(crm.Profile{Name: crm.Name{Display: "Key Holder"}})
	for _, bk := range badKeys {
		other := h.customer(crm.Profile{Name: crm.Name{Display: "Bad Key"}})
		first := h.firstChange(other)
		first.Key = bk.key
		requireBadKey(t, h.s.CreateCustomer(h.ctx, other, first), bk.rule, fmt.Sprintf("CreateCustomer with key %q", bk.key))
		_, err := h.s.GetCustomer(h.ctx, other.ID)
		assert.ErrorIs(t, err, kehu.ErrNotFound, "a refused create must store nothing")

		err = h.s.UpdateCustomer(h.ctx, c.ID, func(x *crm.Customer) (*crm.Change, error) {
			x.Owner = "am-99"
			return &crm.Change{ID: h.changeID(), CustomerID: c.ID, Version: x.Version + 1, At: h.clock.Now(),
				Actor: actor, Action: crm.ActionUpdate, Key: bk.key}, nil
		})
		requireBadKey(t, err, bk.rule, fmt.Sprintf("UpdateCustomer with change key %q", bk.key))
		got, err := h.s.GetCustomer(h.ctx, c.ID)
		require.NoError(t, err)
		assert.Empty(t, got.Owner, "a refused update must write nothing")

		in := h.newInteraction(c.ID, h.clock.Now(), "bad key")
		in.Key = bk.key
		requireBadKey(t, h.s.CreateInteraction(h.ctx, in), bk.rule, fmt.Sprintf("CreateInteraction with key %q", bk.key))
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
