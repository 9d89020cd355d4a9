package complaint_test

import (
	"testing"

	"github.com/kehu-crm/kehu/complaint"
	"github.com/kehu-crm/kehu/complaint/complainttest"
)

func TestMemoryStoreConformance(t *testing.T) {
	complainttest.Run(t, func(t *testing.T) complaint.Store { return complaint.NewMemoryStore() })
}

func TestZeroMemoryStore(t *testing.T) {
	complainttest.Run(t, func(t *testing.T) complaint.Store { return new(complaint.MemoryStore) })
}
