// Package golden compares a test's output with a golden file in testdata/, and rewrites the
// file when the tests run with -update. It is imported only by the project's own tests,
// never by a conformance suite, so that its -update flag never meets a host's flags.
package golden
