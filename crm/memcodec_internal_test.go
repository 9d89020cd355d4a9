package crm

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPackChangeRoundTrip(t *testing.T) {
	owner := CustomerIDFrom(uuid.UUID{1})
	other := CustomerIDFrom(uuid.UUID{2})
	at := time.Date(2026, 2, 28, 23, 59, 59, 123456789, time.FixedZone("CST", 8*3600))
	tests := []Change{
		{ID: ChangeIDFrom(uuid.UUID{9}), CustomerID: owner, Version: 1, At: at, Actor: "am-07", Action: ActionCreate,
			Fields: []FieldChange{{Field: "name.display", New: "王小明"}, {Field: "attributes.shoe_size", Old: "number:41", New: "number:42"},
				{Field: "consents.email.marketing", New: "granted"}, {Field: "tags", Old: "a, b", New: ""}}},
		{ID: ChangeIDFrom(uuid.UUID{8}), CustomerID: other, From: other, Version: 7, At: at, Actor: "", Action: ActionMerged,
			Reason: "dup", Key: "k-1", Digest: "digest-of-k-1"},
		{ID: ChangeIDFrom(uuid.UUID{7}), CustomerID: owner},
	}
	for _, ch := range tests {
		got, err := unpackChange(owner, packChange(owner, &ch))
		require.NoError(t, err)
		assert.True(t, ch.At.Equal(got.At), "%v != %v", ch.At, got.At)
		got.At, ch.At = time.Time{}, time.Time{}
		assert.Equal(t, ch, got)
	}
	packed := packChange(owner, &tests[0])
	for i := range len(packed) {
		_, err := unpackChange(owner, packed[:i]) // every truncation fails cleanly
		assert.ErrorIs(t, err, errCorrupt, "truncated at %d", i)
	}
	// flags, ID, version, five empty strings, one field: its code is byte 24.
	unknown := []byte(packChange(owner, &Change{CustomerID: owner, Fields: []FieldChange{{Field: "tags", New: "x"}}}))
	require.Equal(t, fieldCode("tags"), unknown[24])
	unknown[24] = byte(len(fieldCodes) + 1)
	_, err := unpackChange(owner, string(unknown))
	assert.ErrorIs(t, err, errCorrupt, "an unknown field code")
}
