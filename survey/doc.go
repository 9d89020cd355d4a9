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
// stores it as a version, which never changes afterwards. Its text (labels and their
// locales, section IDs, option codes, conditions, band messages) must be UTF-8 (rule
// "encoding") without a NUL byte (rule "control_char"), so that every store keeps it as
// written.
//
// # Responses
//
// Survey.Check validates answers against the version they answered and reports every
// problem at once, each named: an unknown question or row, a value out of the scale or not
// an integer where one is required, an option the question does not offer, a missing
// required answer, an answer to a question the survey did not show, a text answer that is
// not UTF-8 or holds a NUL byte. Service.Submit checks a submission (its survey, channel and
// trigger are refused on the same rules) and stores it as a Response, idempotently by its
// required key; a respondent
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
// rounding is for display only, by Format (half away from zero on the printed number).
//
// A Survey computes them over its own responses: Survey.NPS (only on a question declared
// NPS), Survey.CSAT (on the question's declared satisfied set), Survey.CES (an effort scale
// read so that higher is easier), Survey.Alpha (a dimension's items as scored),
// Survey.Servqual (two 22-row matrix questions) and Survey.ImportancePerformance (the
// rating items against an overall question). Each reads the responses from an iterator
// (slices.Values of a slice, or a store read page by page); a nil one is no responses.
//
// Answers come as a Column: one value per respondent and, where some did not answer, an
// explicit Missing flag (a NaN is an error, not a missing answer). Weights, where a
// statistic takes them, are one positive number per respondent; the shares are weighted
// and the standard errors and intervals use Kish's effective n = (Σw)²/Σw² (EffectiveN),
// which every weighted result reports beside its N. Scale bounds are always declared
// (Bounds), never guessed from the data. Shares are between 0 and 1 (CSAT); NPS, net
// easy and the differences of two NPS are in points from −100 to 100; the percentages of
// CES and CategoryTotals are named Pct and Percent.
//
//   - NPSFromCounts and NPSFromAnswers: the Net Promoter Score, its standard error with
//     the population variance (denominator n) and a normal interval clipped to
//     [−100, 100]. Only the whole numbers 0 to 10 are answers.
//   - CSATFromCounts and CSATFromAnswers: a satisfied share with a Wilson score interval.
//   - CESFromAnswers: the mean, the percentage that agree (above the scale's midpoint)
//     and net easy.
//   - WeightedIndex: a 0–100 satisfaction index of weighted item means.
//   - Bounds.Reverse and ReverseKeyed: reverse keying, min + max − x.
//   - CategoryTotals and BandFor: a respondent's category totals as a percentage of the
//     maximum, and the message of the band a score falls in.
//   - Servqual and ServqualScore: the SERVQUAL gaps of the 22-item, five-dimension
//     instrument, unweighted and weighted by an importance split of 100 points, and
//     whether service exceeded, met or fell below expectation (OutcomeOf, within
//     GapTolerance).
//   - CronbachAlpha: raw and standardised alpha and alpha-if-item-dropped, under an
//     explicit MissingPolicy, Listwise or Pairwise.
//   - CompareCSAT and CompareNPS: the change since a previous period, as a z test with a
//     plain-language verdict (Change) at a stated significance level.
//   - ImportancePerformance: each item's correlation with an overall score against its
//     mean, in the four quadrants cut at the means.
//
// Bad input is a *kehu.ValidationError naming each bad argument by its path
// ("answers.values[3]", "weights[2]", "items[1]") with a rule: finite (a NaN or an
// infinity), range, integer, length (lengths that do not match), required (nothing to
// compute on: n = 0), constant (no variance where a correlation or an alpha needs it),
// enum, sum (an importance split that is not 100 points) or degenerate (a test with no
// z). At most ten problems are listed; a last one with rule truncated counts the rest.
package survey
