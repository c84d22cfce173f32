package storage

import (
	"context"
	"database/sql"
	"iter"
)

// Scanner is what a row offers: *sql.Row and *sql.Rows.
type Scanner interface {
	Scan(dest ...any) error
}

// Rows is the result of a query read one row at a time, each scanned into a T, so that a
// list can be streamed to its client instead of collected first.
type Rows[T any] struct {
	rows *sql.Rows
	scan func(Scanner) (T, error)
}

// QueryRows runs query now — so that its failure can still become an error response —
// and returns its rows, to be read with All (or Collect) and closed.
func QueryRows[T any](ctx context.Context, q Querier, scan func(Scanner) (T, error), query string, args ...any) (*Rows[T], error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return &Rows[T]{rows: rows, scan: scan}, nil
}

// All yields every row, then the iteration error if any; the rows are closed when the loop
// ends, however it ends.
func (r *Rows[T]) All() iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		defer r.rows.Close()
		for r.rows.Next() {
			v, err := r.scan(r.rows)
			if !yield(v, err) || err != nil {
				return
			}
		}
		if err := r.rows.Err(); err != nil {
			var zero T
			yield(zero, err)
		}
	}
}

// Collect reads every row into a slice (never nil), for lists that are small by
// construction and for tests.
func (r *Rows[T]) Collect() ([]T, error) {
	out := []T{}
	for v, err := range r.All() {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Close releases the rows; All closes them too, so Close is for a Rows never read.
func (r *Rows[T]) Close() error { return r.rows.Close() }
