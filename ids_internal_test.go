package kehu

import (
	"bytes"
	"testing"
)

// TestSeqUUIDPast48Bits checks that IDs past the 48-bit counter carry on, still sorting in
// the order they were made, as bytes and as text.
func TestSeqUUIDPast48Bits(t *testing.T) {
	ns := []uint64{1, 1<<48 - 1, 1 << 48, 1<<48 + 1, 1 << 60, 1<<64 - 1}
	for i := 1; i < len(ns); i++ {
		a, b := seqUUID(7, ns[i-1]), seqUUID(7, ns[i])
		if bytes.Compare(a[:], b[:]) >= 0 || a.String() >= b.String() {
			t.Errorf("seqUUID(%d) = %s does not sort before seqUUID(%d) = %s", ns[i-1], a, ns[i], b)
		}
		if b.Version() != 7 || b[0] != 7 {
			t.Errorf("seqUUID(%d) = %s: want version 7 in namespace 07", ns[i], b)
		}
	}
	if got, want := seqUUID(0, 1<<48).String(), "00000100-0000-7000-8000-000000000000"; got != want {
		t.Errorf("seqUUID(0, 2⁴⁸) = %s, want %s", got, want)
	}
}
