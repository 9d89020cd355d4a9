package kehu_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

func TestSeqIDsSequence(t *testing.T) {
	ids := kehu.NewSeqIDs()
	assert.Equal(t, "00000000-0000-7000-8000-000000000001", ids.NewID().String())
	assert.Equal(t, "00000000-0000-7000-8000-000000000002", ids.NewID().String())
	for range 253 {
		ids.NewID()
	}
	assert.Equal(t, "00000000-0000-7000-8000-000000000100", ids.NewID().String(), "the counter is hexadecimal")
	assert.EqualValues(t, 256, ids.Count())
}

func TestSeqIDsAreUUIDv7Shaped(t *testing.T) {
	ids := kehu.NewSeqIDsIn(0xAB)
	for range 1000 {
		u := ids.NewID()
		require.Equal(t, uuid.Version(7), u.Version(), "version 7: %s", u)
		require.Equal(t, uuid.RFC4122, u.Variant(), "RFC 9562 variant: %s", u)
		id, err := crm.ParseCustomerID(u.String())
		require.NoError(t, err, "a SeqIDs UUID is a valid crm ID")
		require.False(t, id.IsZero())
	}
}

func TestSeqIDsSortInCreationOrder(t *testing.T) {
	ids := kehu.NewSeqIDs()
	prev := ids.NewID()
	for range 70000 { // past 2^16, so carries cross bytes
		next := ids.NewID()
		require.Negative(t, bytes.Compare(prev[:], next[:]), "bytes order: %s then %s", prev, next)
		require.Less(t, prev.String(), next.String(), "text order")
		require.Negative(t, kehu.IDFrom[testKind](prev).Compare(kehu.IDFrom[testKind](next)), "crm ID order")
		prev = next
	}
}

type testKind struct{}

func (testKind) KindName() string { return "test_id" }

func TestSeqIDsNamespaces(t *testing.T) {
	a, b := kehu.NewSeqIDsIn(1), kehu.NewSeqIDsIn(2)
	first := a.NewID()
	assert.Equal(t, "01000000-0000-7000-8000-000000000001", first.String())
	seen := map[uuid.UUID]bool{first: true}
	for range 100 {
		seen[a.NewID()] = true
	}
	for range 100 {
		u := b.NewID()
		assert.False(t, seen[u], "namespaces never collide: %s", u)
		assert.Positive(t, bytes.Compare(u[:], first[:]), "a higher namespace sorts after a lower one")
	}
}

func TestSeqIDsDeterministic(t *testing.T) {
	a, b := kehu.NewSeqIDs(), kehu.NewSeqIDs()
	for range 100 {
		require.Equal(t, a.NewID(), b.NewID(), "two sources give the same sequence")
	}
}

func TestSeqIDsZeroValue(t *testing.T) {
	var ids kehu.SeqIDs
	assert.Equal(t, "00000000-0000-7000-8000-000000000001", ids.NewID().String(), "the zero value is a source in namespace 0")
}

func TestSeqIDsConcurrent(t *testing.T) {
	ids := kehu.NewSeqIDs()
	const goroutines, each = 16, 1000
	got := make([][]uuid.UUID, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				got[g] = append(got[g], ids.NewID())
			}
		}()
	}
	wg.Wait()
	seen := make(map[uuid.UUID]bool, goroutines*each)
	for _, us := range got {
		for i, u := range us {
			require.False(t, seen[u], "duplicate ID %s", u)
			seen[u] = true
			if i > 0 {
				require.Negative(t, bytes.Compare(us[i-1][:], u[:]), "IDs drawn by one goroutine ascend")
			}
		}
	}
	assert.Len(t, seen, goroutines*each)
	assert.EqualValues(t, goroutines*each, ids.Count())
	assert.Equal(t, "00000000-0000-7000-8000-000000003e81", ids.NewID().String(), "the next ID follows the %d drawn", goroutines*each)
}

func TestSeqIDsPlugIntoOptions(t *testing.T) {
	ids := kehu.NewSeqIDs()
	opts := (&kehu.Options{NewID: ids.NewID}).Resolved()
	assert.Equal(t, "00000000-0000-7000-8000-000000000001", opts.NewID().String())
	assert.EqualValues(t, 1, ids.Count())
}
