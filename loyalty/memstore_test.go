package loyalty_test

import (
	"testing"

	"github.com/kehu-crm/kehu/loyalty"
	"github.com/kehu-crm/kehu/loyalty/loyaltytest"
)

func TestMemoryStoreConformance(t *testing.T) {
	loyaltytest.Run(t, func(t *testing.T) loyalty.Store { return loyalty.NewMemoryStore() })
}
