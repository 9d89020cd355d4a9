// Package survey runs customer satisfaction surveys (客户满意度调查): questionnaires
// written as a Spec and compiled into an immutable Survey, responses validated against the
// version they answered, and scoring that is declarative, versioned and statistically
// honest — NPS, CSAT, CES, a weighted satisfaction index (CSI), SERVQUAL gaps and
// Cronbach's alpha, each with its n and, where it has one, its standard error and
// confidence interval.
//
// # Questionnaires
//
// A Spec is a questionnaire as written, in Go or strict JSON (Load): sections of questions
// of nine kinds — Likert (a labelled scale of any number of points), NPS (integers 0 to
// 10, and the only kind a Net Promoter Score is computed on), CSAT (1–5 by default, with a
// declared set of satisfied answers, default the top two), CES (a declared scale and
// direction), single and multiple choice with points per option, number, free text and
// matrix — with required flags, reverse-keyed items, item weights, dimensions and
// visibility conditions over earlier answers (expr-lang expressions such as
// `recommend <= 6`). Labels are locale maps with a default locale; codes and scores never
// depend on the locale. "Not applicable" and "don't know" are options marked non-scoring.
// Compile checks the whole questionnaire and returns an immutable *Survey; Service.Publish
// stores it as a version, which never changes afterwards.
//
// # Responses
//
// Survey.Check validates answers against the version they answered and reports every
// problem at once, each named: an unknown question or row, a value out of the scale or not
// an integer where one is required, an option the question does not offer, a missing
// required answer, an answer to a question the survey did not show. Service.Submit checks a
// submission and stores it as a Response, idempotently by its required key; a respondent
// weight (post-stratification) is kept with it. Store is the narrow persistence interface,
// NewMemoryStore the embedded default, and package surveytest the conformance suite.
//
// # Scores and export
//
// Survey.Score scores a response: each scoring item's value (reverse keying uses the
// scale's declared bounds, x′ = min + max − x, never the observed range; an effort scale
// is read so that higher is better), each dimension's weighted mean and 0–100 index, and
// the response's index, 100·Σw(x − min)/Σw(max − min), so the top of the scale stays
// reachable. A hidden, unanswered or non-scoring item is left out of numerator and
// denominator alike, never counted as zero. Survey.WriteCSV writes a version's responses
// as CSV (RFC 4180), one row per response with its raw codes, labels in a chosen locale and
// scores.
//
// # Statistics
//
// The statistics are plain functions over answers already checked and reduced to numbers,
// so a host may use them on data from anywhere. Every one reports its n; n = 0 is an
// error, never a NaN; missing answers are never zeros. Values are kept at full precision:
// rounding is for display only.
package survey
