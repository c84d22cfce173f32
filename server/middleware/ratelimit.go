// Package middleware holds the cross-cutting HTTP conventions that API documents describe
// (rate limits, CORS, JSON-P, conditional requests), each an echo middleware for the
// per-API slot (kit.API.Middleware): an API switches one on by listing it.
package middleware

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/specfirst/specfirst/server/kit"
	"github.com/specfirst/specfirst/server/storage"
)

// RateLimit counts requests per key in fixed windows, in the database, so that every
// replica sharing it enforces one limit. It sets X-RateLimit-Limit, X-RateLimit-Remaining
// and X-RateLimit-Reset on every response it counts, and past the limit answers Refuse
// (an error the API maps to its status and shape: 429, or 403 where a document says so).
//
// The table (one per API, so that a reset of the API empties it) is
//
//	CREATE TABLE NAME_rate_limits (key TEXT NOT NULL, window_start BIGINT NOT NULL,
//	    hits INTEGER NOT NULL, PRIMARY KEY (key, window_start));
type RateLimit struct {
	DB    *storage.DB
	Table string
	// Limit is the number of requests allowed per key and window.
	Limit int
	// Limits, if set, picks the limit per request (e.g. per token); 0 means Limit.
	Limits func(c echo.Context) int
	// Window is the length of a window (an hour, a day…).
	Window time.Duration
	// Key names what is counted, after authentication (e.g. the caller's token and the
	// operation); "" leaves the request uncounted (an unauthenticated request, refused
	// anyway).
	Key func(c echo.Context) string
	// Reset renders X-RateLimit-Reset from the end of the window; nil gives the Unix time.
	Reset func(end, now time.Time) string
	// Refuse is returned past the limit.
	Refuse error
	// Now is the clock (tests set it); nil is time.Now.
	Now func() time.Time
}

// ResetSeconds renders X-RateLimit-Reset as the seconds left in the window.
func ResetSeconds(end, now time.Time) string {
	return strconv.Itoa(int(end.Sub(now).Round(time.Second) / time.Second))
}

// Middleware is the rate limit as a middleware for kit.API.Middleware.
func (rl *RateLimit) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if kit.Authenticate(c) != nil {
				return next(c) // refused by kit; nothing to count against
			}
			key := rl.Key(c)
			if key == "" {
				return next(c)
			}
			limit := rl.Limit
			if rl.Limits != nil {
				if l := rl.Limits(c); l > 0 {
					limit = l
				}
			}
			now := time.Now()
			if rl.Now != nil {
				now = rl.Now()
			}
			start := now.Truncate(rl.Window)
			hits, err := rl.Hit(c.Request().Context(), key, start)
			if err != nil {
				return err
			}
			end := start.Add(rl.Window)
			reset := strconv.FormatInt(end.Unix(), 10)
			if rl.Reset != nil {
				reset = rl.Reset(end, now)
			}
			h := c.Response().Header()
			h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
			h.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, limit-hits)))
			h.Set("X-RateLimit-Reset", reset)
			if hits > limit {
				return rl.Refuse
			}
			return next(c)
		}
	}
}

// Hit counts one request of key in the window starting at start and returns the count so
// far: one statement, atomic on both engines.
func (rl *RateLimit) Hit(ctx context.Context, key string, start time.Time) (int, error) {
	var hits int
	err := rl.DB.QueryRowContext(ctx, fmt.Sprintf(`INSERT INTO %[1]s (key, window_start, hits) VALUES (?, ?, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = %[1]s.hits + 1 RETURNING hits`, rl.Table),
		key, start.Unix()).Scan(&hits)
	if err != nil {
		return 0, err
	}
	if hits == 1 {
		// The first hit of a window clears the windows that have ended, so the table
		// holds about one row per active key.
		_, err = rl.DB.ExecContext(ctx, `DELETE FROM `+rl.Table+` WHERE window_start < ?`, start.Unix())
	}
	return hits, err
}
