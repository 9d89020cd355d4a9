package crm_test

import (
	"testing"

	"github.com/kehu-crm/kehu/crm"
	"github.com/kehu-crm/kehu/crm/crmtest"
)

func TestMemoryStoreConformance(t *testing.T) {
	crmtest.Run(t, func(t *testing.T) crm.Store { return crm.NewMemoryStore() })
}

// TestZeroMemoryStore checks that a zero MemoryStore is an empty store, ready to use.
func TestZeroMemoryStore(t *testing.T) {
	crmtest.Run(t, func(t *testing.T) crm.Store { return &crm.MemoryStore{} })
}
