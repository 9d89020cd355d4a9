// Package survey runs customer satisfaction surveys (客户满意度调查): questionnaires
// written as a Spec and compiled into an immutable Survey, responses validated against the
// version they answered, and scoring that is declarative, versioned and statistically
// honest — NPS, CSAT, CES, a weighted satisfaction index (CSI), SERVQUAL gaps and
// Cronbach's alpha, each with its n and, where it has one, its standard error and
// confidence interval.
//
// # Statistics
//
// The statistics are plain functions over answers already checked and reduced to numbers,
// so a host may use them on data from anywhere. Every one reports its n; n = 0 is an
// error, never a NaN; missing answers are never zeros. Values are kept at full precision:
// rounding is for display only.
package survey
