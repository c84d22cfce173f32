package tsuru

import (
	"context"
	"testing"
	"time"
)

// storeUsers runs the store rules on sign-up, login, passwords and keys, on the shared world of TestStore.
func storeUsers(t *testing.T, w *world) {
	ctx := context.Background()
	st := w.st

	t.Run("sign up rules", func(t *testing.T) {
		tests := []struct {
			name, email, password string
			kind                  error
			msg                   string
		}{
			{"valid", "dave@example.com", "123456", nil, ""},
			{"fifty characters", "erin@example.com", string(make([]byte, 50)), nil, ""},
			{"invalid email", "dave", "123456", ErrInvalid, MsgInvalidEmail},
			{"upper-case domain", "dave@EXAMPLE.COM", "123456", ErrInvalid, MsgInvalidEmail},
			{"five characters", "frank@example.com", "12345", ErrInvalid, MsgPasswordLength},
			{"fifty-one characters", "frank@example.com", string(make([]byte, 51)), ErrInvalid, MsgPasswordLength},
			{"duplicate email", "alice@example.com", "123456", ErrConflict, MsgEmailTaken},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				wantErr(t, st.CreateUser(ctx, tc.email, tc.password), tc.kind, tc.msg)
			})
		}
	})

	t.Run("login, authenticate, logout", func(t *testing.T) {
		tests := []struct {
			name, email, password string
			kind                  error
			msg                   string
		}{
			{"wrong password", w.alice.Email, "wrong-password", ErrUnauthorized, MsgWrongPassword},
			{"unknown user", "nobody@example.com", pw, ErrNotFound, MsgUserNotFound},
			{"invalid email", "nobody", pw, ErrInvalid, MsgInvalidEmail},
			{"too short to be a password", w.alice.Email, "abc", ErrInvalid, MsgPasswordLength},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := st.Login(ctx, tc.email, tc.password)
				wantErr(t, err, tc.kind, tc.msg)
			})
		}
		tok, err := st.Login(ctx, w.alice.Email, pw)
		wantErr(t, err, nil, "")
		if len(tok) != 40 {
			t.Errorf("token %q: want 40 hex characters", tok)
		}
		c, err := st.Authenticate(ctx, tok)
		if err != nil || c.Email != w.alice.Email || c.AppName != "" {
			t.Fatalf("Authenticate = %+v, %v", c, err)
		}
		var stored int
		if err := w.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tsuru_tokens WHERE hash = ?`, tok).Scan(&stored); err != nil || stored != 0 {
			t.Errorf("the raw token is stored (%d rows, %v); only its hash may be", stored, err)
		}
		*w.clock = w.clock.Add(8 * 24 * time.Hour) // sessions last 7 days
		_, err = st.Authenticate(ctx, tok)
		wantErr(t, err, ErrUnauthorized, MsgInvalidToken)
		*w.clock = w.clock.Add(-8 * 24 * time.Hour)
		wantErr(t, st.Logout(ctx, tok), nil, "")
		_, err = st.Authenticate(ctx, tok)
		wantErr(t, err, ErrUnauthorized, MsgInvalidToken)
		_, err = st.Authenticate(ctx, "")
		wantErr(t, err, ErrUnauthorized, MsgInvalidToken)
	})

	t.Run("change password", func(t *testing.T) {
		must(t, st.CreateUser(ctx, "pat@example.com", "123456"))
		tests := []struct {
			name, old, new string
			kind           error
			msg            string
		}{
			{"empty old", "", "654321", ErrInvalid, MsgPasswordsNeeded},
			{"empty new", "123456", "", ErrInvalid, MsgPasswordsNeeded},
			{"short new", "123456", "654", ErrInvalid, MsgPasswordLength},
			{"wrong old", "000000", "654321", ErrForbidden, MsgPasswordMatch},
			{"valid", "123456", "654321", nil, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				wantErr(t, st.ChangePassword(ctx, "pat@example.com", tc.old, tc.new), tc.kind, tc.msg)
			})
		}
		if _, err := st.Login(ctx, "pat@example.com", "654321"); err != nil {
			t.Errorf("login with the new password: %v", err)
		}
	})

	t.Run("reset password", func(t *testing.T) {
		must(t, st.CreateUser(ctx, "rita@example.com", "123456"))
		_, err := st.StartPasswordReset(ctx, "ghost@example.com")
		wantErr(t, err, ErrNotFound, MsgUserNotFound)
		_, err = st.StartPasswordReset(ctx, "ghost")
		wantErr(t, err, ErrInvalid, MsgInvalidEmail)
		tok, err := st.StartPasswordReset(ctx, "rita@example.com")
		wantErr(t, err, nil, "")
		_, err = st.ResetPassword(ctx, "rita@example.com", "not-the-token")
		wantErr(t, err, ErrForbidden, MsgInvalidToken)
		_, err = st.ResetPassword(ctx, w.alice.Email, tok) // issued for another user
		wantErr(t, err, ErrForbidden, MsgInvalidToken)
		newPassword, err := st.ResetPassword(ctx, "rita@example.com", tok)
		wantErr(t, err, nil, "")
		if _, err := st.Login(ctx, "rita@example.com", newPassword); err != nil {
			t.Errorf("login with the reset password: %v", err)
		}
		_, err = st.ResetPassword(ctx, "rita@example.com", tok) // used
		wantErr(t, err, ErrForbidden, MsgInvalidToken)
		old, _ := st.StartPasswordReset(ctx, "rita@example.com")
		*w.clock = w.clock.Add(25 * time.Hour)
		_, err = st.ResetPassword(ctx, "rita@example.com", old) // expired
		*w.clock = w.clock.Add(-25 * time.Hour)
		wantErr(t, err, ErrForbidden, MsgInvalidToken)
	})

	t.Run("keys", func(t *testing.T) {
		wantErr(t, st.AddKey(ctx, w.carol.Email, " "), ErrInvalid, MsgMissingKey)
		wantErr(t, st.AddKey(ctx, w.carol.Email, "ssh-rsa AAA carol"), nil, "")
		wantErr(t, st.AddKey(ctx, w.carol.Email, "ssh-rsa AAA carol"), ErrConflict, MsgKeyExists)
		wantErr(t, st.AddKey(ctx, w.bob.Email, "ssh-rsa AAA carol"), nil, "") // per user
		wantErr(t, st.RemoveKey(ctx, w.carol.Email, "ssh-rsa BBB"), ErrNotFound, MsgKeyNotFound)
		wantErr(t, st.RemoveKey(ctx, w.carol.Email, "ssh-rsa AAA carol"), nil, "")
		keys, _ := st.Keys(ctx, w.carol.Email)
		if len(keys) != 0 {
			t.Errorf("keys after removal = %v", keys)
		}
	})
}
