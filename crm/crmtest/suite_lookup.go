package crmtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu/crm"
)

func lookupTests() []test {
	return []test{
		{Name: "ByEmail", Run: testLookupEmail},
		{Name: "ByPhone", Run: testLookupPhone},
		{Name: "ByNameKey", Run: testLookupNameKey},
		{Name: "FollowsUpdates", Run: testLookupFollowsUpdates},
		{Name: "SkipsTombstones", Run: testLookupSkipsTombstones},
	}
}

// lookupWorld stores five customers, created in reverse ID order so that insertion order
// and ID order differ:
//
//	a: John Smith, john@example.com + family@example.com, +8613800138000
//	b: "Smith, John", smith.j@example.org, +8613800138000 + +8613912345678
//	c: 王小明 (phonetic Wang Xiaoming), family@example.com, +8613512345678
//	d: "王 小明", xm@example.cn, +8618612345678
//	e: Xiaoming Wang, xw@example.net, +8618900000099
func lookupWorld(h *harness) (a, b, c, d, e *crm.Customer) {
	h.t.Helper()
	ids := []crm.CustomerID{h.customerID(), h.customerID(), h.customerID(), h.customerID(), h.customerID()}
	pa := profile("John Smith", "john@example.com", "+8613800138000")
	pa.Emails = append(pa.Emails, crm.Email{Address: "family@example.com"})
	pb := profile("Smith, John", "smith.j@example.org", "+8613800138000")
	pb.Phones = append(pb.Phones, crm.Phone{Number: "+8613912345678"})
	pc := profile("王小明", "family@example.com", "+8613512345678")
	pc.Name.Phonetic = "Wang Xiaoming"
	pd := profile("王 小明", "xm@example.cn", "+8618612345678")
	pe := profile("Xiaoming Wang", "xw@example.net", "+8618900000099")
	a, b, c = h.customerWithID(ids[0], pa), h.customerWithID(ids[1], pb), h.customerWithID(ids[2], pc)
	d, e = h.customerWithID(ids[3], pd), h.customerWithID(ids[4], pe)
	for _, x := range []*crm.Customer{e, d, c, b, a} {
		h.create(x)
	}
	return a, b, c, d, e
}

// lookup runs LookupCustomers and returns the IDs found, in the order returned.
func (h *harness) lookup(field crm.LookupField, value string) []string {
	h.t.Helper()
	found, err := h.s.LookupCustomers(h.ctx, field, value)
	require.NoError(h.t, err, "LookupCustomers(%s, %q)", field, value)
	return customerIDs(found)
}

func ids(cs ...*crm.Customer) []string { return customerIDs(cs) }

func testLookupEmail(t *testing.T, h *harness) {
	a, b, c, _, _ := lookupWorld(h)
	assert.Equal(t, ids(a), h.lookup(crm.LookupEmail, "john@example.com"),
		"LookupCustomers(LookupEmail) must find the customer with that email")
	assert.Equal(t, ids(b), h.lookup(crm.LookupEmail, "smith.j@example.org"),
		"LookupCustomers(LookupEmail) must find the customer with that email")
	assert.Equal(t, ids(a, c), h.lookup(crm.LookupEmail, "family@example.com"),
		"LookupCustomers(LookupEmail) must match any of a customer's emails, and return every match in ID order")
	assert.Empty(t, h.lookup(crm.LookupEmail, "nobody@example.com"),
		"LookupCustomers(LookupEmail) of an unknown email must return nothing")
	assert.Empty(t, h.lookup(crm.LookupEmail, "john@example"),
		"LookupCustomers(LookupEmail) matches exactly, not by prefix")

	got, err := h.s.LookupCustomers(h.ctx, crm.LookupEmail, "john@example.com")
	require.NoError(t, err, "LookupCustomers")
	require.Len(t, got, 1, "LookupCustomers")
	assertCustomer(t, a, got[0], "LookupCustomers must return the whole customer")
}

func testLookupPhone(t *testing.T, h *harness) {
	a, b, c, _, _ := lookupWorld(h)
	assert.Equal(t, ids(a, b), h.lookup(crm.LookupPhone, "+8613800138000"),
		"LookupCustomers(LookupPhone) must return every customer with the E.164 number, in ID order")
	assert.Equal(t, ids(b), h.lookup(crm.LookupPhone, "+8613912345678"),
		"LookupCustomers(LookupPhone) must match any of a customer's phones")
	assert.Equal(t, ids(c), h.lookup(crm.LookupPhone, "+8613512345678"),
		"LookupCustomers(LookupPhone) must find the customer with that phone")
	assert.Empty(t, h.lookup(crm.LookupPhone, "+8613700001111"),
		"LookupCustomers(LookupPhone) of an unknown number must return nothing")
}

func testLookupNameKey(t *testing.T, h *harness) {
	a, b, c, d, e := lookupWorld(h)
	keyAB, keyCD, keyCE := crm.NameKey(a.Name), crm.NameKey(c.Name), crm.NameKey(e.Name)
	require.Equal(t, []string{keyAB}, crm.NameKeys(b.Name), "suite assumption: NameKeys(Smith, John) == [NameKey(John Smith)]")
	require.Equal(t, []string{keyCD}, crm.NameKeys(d.Name), "suite assumption: NameKeys(王 小明) == [NameKey(王小明)]")
	require.Equal(t, []string{keyCD, keyCE}, crm.NameKeys(c.Name),
		"suite assumption: NameKeys(王小明 read Wang Xiaoming) == [NameKey(王小明), NameKey(Xiaoming Wang)]")
	assert.Equal(t, ids(a, b), h.lookup(crm.LookupNameKey, keyAB),
		"LookupCustomers(LookupNameKey) must return every customer with the value among NameKeys(Name), in ID order")
	assert.Equal(t, ids(c, d), h.lookup(crm.LookupNameKey, keyCD),
		"LookupCustomers(LookupNameKey) must return every customer with the value among NameKeys(Name), in ID order")
	assert.Equal(t, ids(c, e), h.lookup(crm.LookupNameKey, keyCE),
		"LookupCustomers(LookupNameKey) must also match the key of the phonetic reading (see NameKeys), in ID order")
	assert.Empty(t, h.lookup(crm.LookupNameKey, "janesmith"),
		"LookupCustomers(LookupNameKey) of an unknown key must return nothing")
}

func testLookupFollowsUpdates(t *testing.T, h *harness) {
	a, b, c, _, e := lookupWorld(h)
	oldKey := crm.NameKey(a.Name)
	after, _ := h.update(a.ID, "", func(x *crm.Customer) {
		x.Emails = []crm.Email{{Address: "john.smith@example.net", Primary: true}}
		x.Phones = []crm.Phone{{Number: "+8615012345678", Primary: true}}
		x.Name = crm.Name{Display: "Jonathan Smith"}
	})
	assert.Empty(t, h.lookup(crm.LookupEmail, "john@example.com"),
		"LookupCustomers(LookupEmail): after an update removed the email, it must no longer find the customer")
	assert.Equal(t, ids(c), h.lookup(crm.LookupEmail, "family@example.com"),
		"LookupCustomers(LookupEmail): after an update removed a shared email, only the other customer may be found")
	assert.Equal(t, ids(a), h.lookup(crm.LookupEmail, "john.smith@example.net"),
		"LookupCustomers(LookupEmail): after an update added the email, it must find the customer")
	assert.Equal(t, ids(b), h.lookup(crm.LookupPhone, "+8613800138000"),
		"LookupCustomers(LookupPhone): after an update removed the phone, it must no longer find the customer")
	assert.Equal(t, ids(a), h.lookup(crm.LookupPhone, "+8615012345678"),
		"LookupCustomers(LookupPhone): after an update added the phone, it must find the customer")
	assert.Equal(t, ids(b), h.lookup(crm.LookupNameKey, oldKey),
		"LookupCustomers(LookupNameKey): after an update changed the name, the old key must no longer find the customer")
	assert.Equal(t, ids(after), h.lookup(crm.LookupNameKey, crm.NameKey(after.Name)),
		"LookupCustomers(LookupNameKey): after an update changed the name, the new key must find the customer")

	phoneticKey := crm.NameKey(crm.Name{Display: c.Name.Phonetic})
	h.update(c.ID, "", func(x *crm.Customer) { x.Name.Phonetic = "Wang Xiaomin" })
	assert.Equal(t, ids(e), h.lookup(crm.LookupNameKey, phoneticKey),
		"LookupCustomers(LookupNameKey): after an update changed the phonetic reading, its old key must no longer find the customer")
	assert.Equal(t, ids(c), h.lookup(crm.LookupNameKey, crm.NameKey(crm.Name{Display: "Wang Xiaomin"})),
		"LookupCustomers(LookupNameKey): after an update changed the phonetic reading, its new key must find the customer")
}

func testLookupSkipsTombstones(t *testing.T, h *harness) {
	a, b, c, d, _ := lookupWorld(h)
	h.update(b.ID, "", func(x *crm.Customer) { x.MergedInto = a.ID })
	assert.Equal(t, ids(a), h.lookup(crm.LookupPhone, "+8613800138000"),
		"LookupCustomers must not return tombstones (MergedInto set)")
	assert.Empty(t, h.lookup(crm.LookupEmail, "smith.j@example.org"),
		"LookupCustomers must not return tombstones (MergedInto set)")
	assert.Equal(t, ids(a), h.lookup(crm.LookupNameKey, crm.NameKey(a.Name)),
		"LookupCustomers must not return tombstones (MergedInto set)")

	// A customer stored as a tombstone from the start is not returned either.
	e := h.customer(profile("王小明", "family@example.com", "+8613512345678"))
	e.MergedInto = c.ID
	h.create(e)
	assert.Equal(t, ids(a, c), h.lookup(crm.LookupEmail, "family@example.com"),
		"LookupCustomers must not return a customer created as a tombstone")
	assert.Equal(t, ids(c, d), h.lookup(crm.LookupNameKey, crm.NameKey(c.Name)),
		"LookupCustomers must not return a customer created as a tombstone")
}
