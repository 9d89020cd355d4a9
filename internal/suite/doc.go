// Package suite holds what the conformance suites (crm/crmtest, loyalty/loyaltytest) share:
// the runner of their named test tables, the time their clocks start at, the paging walk,
// the helpers for concurrent writers, and RequireEveryFieldSet, the guard that makes a
// round-trip fixture fail when it leaves an exported field unset.
package suite
