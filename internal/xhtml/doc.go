// Package xhtml reads an HTML page written in its XML-compatible form (a page of package
// report) back with encoding/xml, so that the project's tests can check a report's
// well-formedness and content with the standard library alone.
package xhtml
