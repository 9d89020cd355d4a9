package survey

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kehu-crm/kehu"
)

// TestSubmissionDigestIsStable pins the digest of a submission to the one stored with
// responses before Submission.Weight stopped being read from JSON (computed then, from the
// Submission's own encoding): a stored response's repeat must still match it, or a retry
// after an upgrade would fail as a reused key.
func TestSubmissionDigestIsStable(t *testing.T) {
	v := 7.0
	sub := Submission{Survey: "s", Version: 2, Customer: kehu.CustomerIDFrom([16]byte{1}), Channel: "app",
		Trigger: Trigger{Kind: "purchase", Ref: "o-1"}, Weight: 1.5, Answers: []Answer{{Question: "q", Value: &v}}, Key: "k"}
	assert.Equal(t, "785654f87bae930c2c5b0d147e79619a34dacf316681c90b26543f61be1ac32b", submissionDigest(sub), "with a weight")
	sub.Weight = 0
	assert.Equal(t, "045f628814f2632b0a054dcfb2fa12be36d1609ef89b5f7a954242b6d5394782", submissionDigest(sub), "without")
}
