package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kehu-crm/kehu"
)

// PostgreSQL error codes the stores translate into kehu's sentinels.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// pgCode returns the SQLSTATE of a server error, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// isUnique reports whether err is a unique violation (of the named constraint, when
// constraint is not empty).
func isUnique(err error, constraint string) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != codeUniqueViolation {
		return false
	}
	return constraint == "" || pe.ConstraintName == constraint
}

// isForeignKey reports whether err is a foreign key violation (of the named constraint,
// when constraint is not empty).
func isForeignKey(err error, constraint string) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != codeForeignKeyViolation {
		return false
	}
	return constraint == "" || pe.ConstraintName == constraint
}

// wrapConflict turns a lost race reported by the server (a serialisation failure or a
// deadlock) into kehu.ErrConflict, keeping the server's message; other errors pass through.
func wrapConflict(err error) error {
	switch pgCode(err) {
	case codeSerializationFailure, codeDeadlockDetected:
		return fmt.Errorf("%w: %v", kehu.ErrConflict, err)
	}
	return err
}

// dbError wraps an error of the database with what the store was doing: a deadlock or
// serialisation failure becomes kehu.ErrConflict, a data exception (SQLSTATE class 22, a value
// the column cannot hold, such as a NUL character in text) kehu.ErrInvalid; context errors
// stay visible to errors.Is.
func dbError(what string, err error) error {
	if err == nil {
		return nil
	}
	if strings.HasPrefix(pgCode(err), "22") {
		return fmt.Errorf("postgres: %s: %w: %w", what, kehu.ErrInvalid, err)
	}
	return fmt.Errorf("postgres: %s: %w", what, wrapConflict(err))
}

// badCursor is the error of a cursor this store did not make.
func badCursor() error {
	return kehu.Invalid("after", "format", "is not a cursor of this store")
}
