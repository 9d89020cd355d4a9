package loyalty

import (
	"context"

	"github.com/kehu-crm/kehu/crm"
)

// HoldOnly writes a reservation's points hold as Reserve does, under the library's key,
// without recording it on the reservation: what a crash between the two leaves behind.
func (s *Service) HoldOnly(ctx context.Context, p *Program, c crm.CustomerID, pointType string, points int64, reservation, reward string) (Entry, error) {
	return s.Redeem(ctx, p, Points{Customer: c, PointType: pointType, Points: points,
		Source: Source{Type: holdSource, Ref: reservation}, Reason: "reward " + reward, Key: holdKey(reservation), libraryKey: true})
}
