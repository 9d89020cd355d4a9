package kehu

// PageRequest asks for one page of a listing.
type PageRequest struct {
	// Limit is the page size; 0 means 50, and a store caps it at 1000.
	Limit int
	// After is the Next cursor of the previous page; empty for the first page.
	After string
}

// Page is one page of results. Next is empty on the last page.
type Page[T any] struct {
	Items []T
	Next  string
}

// Size returns the effective page size: 50 by default, at most 1000.
func (p PageRequest) Size() int {
	switch {
	case p.Limit <= 0:
		return 50
	case p.Limit > 1000:
		return 1000
	}
	return p.Limit
}
