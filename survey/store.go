package survey

import (
	"context"
	"time"

	"github.com/kehu-crm/kehu"
)

// Version is a published version of a survey: the questionnaire as compiled, kept so that
// every response can be scored against the version it answered, however the survey changes
// later.
type Version struct {
	Spec        Spec      `json:"spec"`
	PublishedAt time.Time `json:"published_at"`
}

// Store persists survey versions and responses. It holds no rules: the Service validates
// every response against its version and stores it whole. Every implementation must pass
// surveytest.Run; NewMemoryStore is the embedded default. A store never keeps a pointer it
// was given nor returns one it keeps, and returns instants as given (the Service gives
// whole microseconds in UTC).
type Store interface {
	// PutVersion stores a survey version. A version is immutable: if the survey already
	// has the version, nothing is written and PutVersion fails with kehu.ErrDuplicate.
	PutVersion(ctx context.Context, v Version) error
	// Version returns a survey version, or kehu.ErrNotFound.
	Version(ctx context.Context, survey string, version int) (*Version, error)
	// Versions returns every version of a survey, oldest first (none is not an error).
	Versions(ctx context.Context, survey string) ([]Version, error)
	// AddResponse stores a new response. If the survey already has a response with the
	// same key, nothing is written and AddResponse fails with kehu.ErrDuplicate; if
	// kehu.CheckKey refuses the key, nothing is written and AddResponse returns that
	// error. Keys are stored as given, byte for byte.
	AddResponse(ctx context.Context, r *Response) error
	// Response returns a response, or kehu.ErrNotFound.
	Response(ctx context.Context, id ResponseID) (*Response, error)
	// ResponseByKey returns the survey's response with the key, or kehu.ErrNotFound.
	ResponseByKey(ctx context.Context, survey, key string) (*Response, error)
	// Responses returns one page of a survey's responses in the order they were stored,
	// optionally of one version and with From ≤ SubmittedAt < To (zero bounds are open).
	Responses(ctx context.Context, survey string, q ResponseQuery) (kehu.Page[*Response], error)
}

// ResponseQuery selects a survey's responses.
type ResponseQuery struct {
	// Version, when set, keeps the responses to that version.
	Version  int
	From, To time.Time
	kehu.PageRequest
}
