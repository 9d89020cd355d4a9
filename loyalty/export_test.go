package loyalty

import (
	"context"
	"time"

	"github.com/kehu-crm/kehu/crm"
)

// HoldOnly writes a reservation's points hold as Reserve does, under the library's key,
// without recording it on the reservation: what a crash between the two leaves behind.
func (s *Service) HoldOnly(ctx context.Context, p *Program, c crm.CustomerID, pointType string, points int64, reservation, reward string) (Entry, error) {
	return s.Redeem(ctx, p, Points{Customer: c, PointType: pointType, Points: points,
		Source: Source{Type: holdSource, Ref: reservation}, Reason: "reward " + reward, Key: holdKey(reservation), libraryKey: true})
}

// FiguresIn returns a member's tier figures over [from, to), as reviews and upgrades read
// them.
func (s *Service) FiguresIn(ctx context.Context, p *Program, c crm.CustomerID, from, to time.Time) (Figures, error) {
	return s.figuresIn(ctx, nil, p, p.spec.Tiers, c, from, to, nil)
}

// WallLater is wallLater.
var WallLater = wallLater
