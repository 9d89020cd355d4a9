package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/survey"
)

// SurveyStore is a survey.Store kept in PostgreSQL, in the tables of migration 0005_survey
// (apply it with Migrate). It is safe for concurrent use by many goroutines and processes.
//
// Each version and response is stored whole as a JSONB document (its encoding/json form),
// beside the columns its queries select and order on; time columns hold the documents'
// instants exactly (the service gives whole microseconds, see survey.Store). Keys are kept
// byte for byte, and a survey has one response per key: a second AddResponse with the key,
// also one racing the first, fails with kehu.ErrDuplicate and writes nothing.
//
// A survey's responses are listed in the order they were stored. Each response takes the
// next position of its survey in the statement that inserts it, by updating a row per
// survey that it holds until it commits; so a survey's responses commit in the order of
// their positions, and a listing's cursor (the last position read) never skips a response
// committed after the page was read. The cost is that responses to one survey are written
// one at a time, each waiting for the one before it to commit (over a host's transaction,
// until the host commits); responses to different surveys do not wait for each other.
//
// Strings must be what PostgreSQL text holds, valid UTF-8 without NUL characters: a write
// carrying any other string fails with kehu.ErrInvalid and writes nothing, and a read for
// such a value (a survey, a key) finds nothing.
//
//	svc := survey.NewService(postgres.NewSurveyStore(pool), nil)
type SurveyStore struct {
	db DB
}

var _ survey.Store = (*SurveyStore)(nil)

// NewSurveyStore returns a store over db: a pool, or a transaction the host began (see DB).
// The database must have been migrated with Migrate; the store uses the tables in the
// connection's search_path.
func NewSurveyStore(db DB) *SurveyStore {
	return &SurveyStore{db: db}
}

// SQL of the survey store.
const (
	sqlInsertVersion = `INSERT INTO survey_versions (survey, version, published_at, doc) VALUES ($1, $2, $3, $4)`
	// sqlInsertResponse takes the survey's next position and inserts the response at it, in
	// one statement: the position's row stays locked until the response commits.
	sqlInsertResponse = `WITH pos AS (
	INSERT INTO survey_response_positions AS p (survey, last) VALUES ($2, 1)
	ON CONFLICT (survey) DO UPDATE SET last = p.last + 1
	RETURNING last)
INSERT INTO survey_responses (id, survey, seq, version, submitted_at, key, doc)
SELECT $1, $2, pos.last, $3, $4, $5, $6 FROM pos`
)

// PutVersion implements survey.Store. A version already stored fails with
// kehu.ErrDuplicate, also when two PutVersion calls race.
func (s *SurveyStore) PutVersion(ctx context.Context, v survey.Version) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	what := fmt.Sprintf("survey %s version %d", v.Spec.ID, v.Spec.Version)
	doc, err := encodeDoc("survey version", &v)
	if err != nil {
		return fmt.Errorf("postgres: put %s: %w", what, err)
	}
	return atomically(ctx, s.db, "put "+what, func(db DB) error {
		_, err := db.Exec(ctx, sqlInsertVersion, v.Spec.ID, v.Spec.Version, v.PublishedAt, doc)
		if isUnique(err, "survey_versions_pkey") {
			return fmt.Errorf("postgres: %s: %w", what, kehu.ErrDuplicate)
		}
		return dbError("put "+what, err)
	})
}

// Version implements survey.Store.
func (s *SurveyStore) Version(ctx context.Context, id string, version int) (*survey.Version, error) {
	what := fmt.Sprintf("survey %s version %d", id, version)
	if !storable(id) {
		return nil, surveyNotFound(ctx, what)
	}
	var doc []byte
	err := s.db.QueryRow(ctx, `SELECT doc FROM survey_versions WHERE survey = $1 AND version = $2`, id, version).Scan(&doc)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("postgres: %s: %w", what, kehu.ErrNotFound)
	case err != nil:
		return nil, dbError("get "+what, err)
	}
	return decodeDoc[survey.Version]("survey version", doc)
}

// Versions implements survey.Store.
func (s *SurveyStore) Versions(ctx context.Context, id string) ([]survey.Version, error) {
	if !storable(id) {
		return []survey.Version{}, ctx.Err()
	}
	what := "versions of survey " + id
	rows, err := s.db.Query(ctx, `SELECT doc FROM survey_versions WHERE survey = $1 ORDER BY version`, id)
	if err != nil {
		return nil, dbError(what, err)
	}
	out := []survey.Version{}
	err = lyCollectDocs(rows, what, func(doc []byte) error {
		v, err := decodeDoc[survey.Version]("survey version", doc)
		if err != nil {
			return err
		}
		out = append(out, *v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddResponse implements survey.Store. The key is checked before anything is written, and
// a key already used for the survey (or a used response ID) fails with kehu.ErrDuplicate:
// of two AddResponse calls racing on one key, the second waits for the first to commit
// and then fails.
func (s *SurveyStore) AddResponse(ctx context.Context, r *survey.Response) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r == nil {
		return kehu.Invalid("response", "required", "is nil")
	}
	if err := kehu.CheckKey("key", r.Key); err != nil {
		return err
	}
	doc, err := encodeDoc("response", r)
	if err != nil {
		return fmt.Errorf("postgres: add response %s: %w", r.ID, err)
	}
	return atomically(ctx, s.db, "add response", func(db DB) error {
		_, err := db.Exec(ctx, sqlInsertResponse, r.ID.UUID(), r.Survey, r.Version, r.SubmittedAt, r.Key, doc)
		switch {
		case isUnique(err, "survey_responses_key"):
			return fmt.Errorf("postgres: survey %s response key %q: %w", r.Survey, r.Key, kehu.ErrDuplicate)
		case isUnique(err, "survey_responses_pkey"):
			return fmt.Errorf("postgres: response %s: %w", r.ID, kehu.ErrDuplicate)
		}
		return dbError("add response "+r.ID.String(), err)
	})
}

// Response implements survey.Store.
func (s *SurveyStore) Response(ctx context.Context, id survey.ResponseID) (*survey.Response, error) {
	return s.oneResponse(ctx, "response "+id.String(), `SELECT doc FROM survey_responses WHERE id = $1`, id.UUID())
}

// ResponseByKey implements survey.Store.
func (s *SurveyStore) ResponseByKey(ctx context.Context, id, key string) (*survey.Response, error) {
	what := fmt.Sprintf("survey %s response key %q", id, key)
	if !storable(id) || !storable(key) {
		return nil, surveyNotFound(ctx, what)
	}
	return s.oneResponse(ctx, what, `SELECT doc FROM survey_responses WHERE survey = $1 AND key = $2`, id, key)
}

func (s *SurveyStore) oneResponse(ctx context.Context, what, sql string, args ...any) (*survey.Response, error) {
	var doc []byte
	err := s.db.QueryRow(ctx, sql, args...).Scan(&doc)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("postgres: %s: %w", what, kehu.ErrNotFound)
	case err != nil:
		return nil, dbError("get "+what, err)
	}
	return decodeDoc[survey.Response]("response", doc)
}

// Responses implements survey.Store. The cursor is the position of the page's last
// response in its survey's order.
func (s *SurveyStore) Responses(ctx context.Context, id string, q survey.ResponseQuery) (kehu.Page[*survey.Response], error) {
	after, err := parseSeqCursor(q.After)
	if err != nil {
		return kehu.Page[*survey.Response]{}, err
	}
	if !storable(id) {
		return kehu.Page[*survey.Response]{}, ctx.Err()
	}
	limit := q.Size()
	var args sqlArgs
	where := []string{"survey = " + args.add(id), "seq > " + args.add(after)}
	if q.Version != 0 {
		where = append(where, "version = "+args.add(q.Version))
	}
	// Bounds are moved to whole microseconds (see ceilMicro), so they compare exactly.
	if !q.From.IsZero() {
		where = append(where, "submitted_at >= "+args.add(ceilMicro(q.From)))
	}
	if !q.To.IsZero() {
		where = append(where, "submitted_at < "+args.add(ceilMicro(q.To)))
	}
	sql := "SELECT seq, doc FROM survey_responses WHERE " + strings.Join(where, " AND ") +
		" ORDER BY seq LIMIT " + args.add(limit+1)
	const what = "list responses"
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return kehu.Page[*survey.Response]{}, dbError(what, err)
	}
	defer rows.Close()
	var (
		page kehu.Page[*survey.Response]
		last int64
	)
	for rows.Next() {
		if len(page.Items) == limit {
			page.Next = strconv.FormatInt(last, 10)
			break
		}
		var doc []byte
		if err := rows.Scan(&last, &doc); err != nil {
			return kehu.Page[*survey.Response]{}, dbError(what, err)
		}
		r, err := decodeDoc[survey.Response]("response", doc)
		if err != nil {
			return kehu.Page[*survey.Response]{}, err
		}
		page.Items = append(page.Items, r)
	}
	if err := rows.Err(); err != nil {
		return kehu.Page[*survey.Response]{}, dbError(what, err)
	}
	return page, nil
}

// surveyNotFound is the answer to a read for a value no row can hold: not found, unless
// ctx is done.
func surveyNotFound(ctx context.Context, what string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("postgres: %s: %w", what, kehu.ErrNotFound)
}

// parseSeqCursor reads a cursor that is a position written by strconv.FormatInt: "" is the
// start, and anything else not so written is refused as a *kehu.ValidationError on
// "after".
func parseSeqCursor(after string) (int64, error) {
	if after == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(after, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != after {
		return 0, badCursor()
	}
	return n, nil
}
