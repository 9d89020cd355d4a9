// Package suite holds what the conformance suites (crm/crmtest, loyalty/loyaltytest,
// survey/surveytest, complaint/complainttest) share: the runner of their named test
// tables, the time their clocks start at, the paging walk, the helpers for concurrent
// writers, RequireEveryFieldSet, the guard that makes a round-trip fixture fail when it
// leaves an exported field unset, and Sequences, the driver of their differential groups,
// with the canonical forms (Canonical, Show, ErrClass) those compare by. The packages'
// robustness probes share NoPanic.
package suite
