package crm

import (
	"fmt"
	"time"
	_ "time/tzdata" // customers' and plans' time zones load on any machine
)

// loadZone loads an IANA time zone; "Local", which depends on the machine, is refused.
func loadZone(name string) (*time.Location, error) {
	if name == "Local" || name == "" {
		return nil, fmt.Errorf("crm: %q is not an IANA time zone", name)
	}
	return time.LoadLocation(name)
}
