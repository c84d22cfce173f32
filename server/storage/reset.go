package storage

import (
	"context"
	"fmt"
	"strings"
)

// Tables lists the tables whose names start with prefix (an API's tables are all named
// NAME_…, so that one API's data can be found, emptied or dropped without a list to keep).
func (db *DB) Tables(ctx context.Context, prefix string) ([]string, error) {
	pattern := strings.NewReplacer(`\`, `\\`, `_`, `\_`, `%`, `\%`).Replace(prefix) + "%"
	if db.Dialect == Postgres {
		return Strings(ctx, db, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
			AND tablename LIKE ? ESCAPE '\' ORDER BY tablename`, pattern)
	}
	return Strings(ctx, db, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name LIKE ? ESCAPE '\' ORDER BY name`, pattern)
}

// Empty deletes every row of the tables named prefix… in one transaction, and restarts
// their id sequences, so that data seeded afterwards gets the same ids as on a new
// database. The schema and its migration records stay.
func (db *DB) Empty(ctx context.Context, prefix string) error {
	tables, err := db.Tables(ctx, prefix)
	if err != nil || len(tables) == 0 {
		return err
	}
	for _, t := range tables {
		if !validIdent(t) {
			return fmt.Errorf("storage: unexpected table name %q", t)
		}
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if db.Dialect == Postgres {
			_, err := tx.ExecContext(ctx, `TRUNCATE `+strings.Join(tables, ", ")+` RESTART IDENTITY CASCADE`)
			return err
		}
		// Foreign keys are checked at commit, when every table is empty: the order of the
		// deletes does not matter.
		if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
			return err
		}
		for _, t := range tables {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
				return err
			}
		}
		seq, err := Exists(ctx, tx, `SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'`)
		if err != nil || !seq {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sqlite_sequence WHERE name IN (`+Placeholders(len(tables))+`)`, anys(tables)...)
		return err
	})
}

func validIdent(s string) bool {
	for _, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
