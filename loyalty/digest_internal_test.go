package loyalty

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// TestOrderDigestIsStable pins EarnOrder's digest of one order. Stores keep digests with
// their command records, so a change to the digest's byte stream would turn every replay
// of an order earned before into kehu.ErrKeyReused; the value is the one the first
// implementation wrote.
func TestOrderDigestIsStable(t *testing.T) {
	o := kehu.Order{ID: "SO-1", CustomerID: crm.CustomerIDFrom(uuid.UUID{7, 1}), At: time.Date(2026, 6, 1, 12, 30, 0, 5, time.UTC),
		Currency: "CNY", Channel: "app", Store: "SH-01", Lines: []kehu.OrderLine{
			{ID: "1", SKU: "SKU-1", Category: "coffee", Quantity: 2, Amount: kehu.MustMoney("128.50", "CNY")},
			{ID: "2", SKU: "SKU-2", Category: "tea", Quantity: 1, Amount: kehu.MustMoney("0", "CNY")},
			{ID: "3", SKU: "SKU-3", Category: "big", Quantity: 1, Amount: kehu.MustMoney("1234567890123456789.5", "CNY")},
		}}
	assert.Equal(t, "87064324eb904443936e3000fea9e52b838f1c06133f68b431b0c39d84b8de49", orderDigest(o))
	o.Lines[0].Amount = kehu.MustMoney("128.5", "CNY")
	assert.Equal(t, "87064324eb904443936e3000fea9e52b838f1c06133f68b431b0c39d84b8de49", orderDigest(o), "amounts by value")
	o.Lines[0].Quantity = 3
	assert.NotEqual(t, "87064324eb904443936e3000fea9e52b838f1c06133f68b431b0c39d84b8de49", orderDigest(o))
}
