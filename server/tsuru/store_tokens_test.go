package tsuru

import (
	"context"
	"testing"
	"time"
)

// storeTokens runs the store rules on application tokens, on the shared world of TestStore.
func storeTokens(t *testing.T, w *world) {
	ctx := context.Background()
	st := w.st

	t.Run("app tokens", func(t *testing.T) {
		_, err := st.CreateAppToken(ctx, w.bob, "blue-app", false)
		wantErr(t, err, ErrForbidden, MsgAdminOnly)
		_, err = st.CreateAppToken(ctx, w.alice, " ", false)
		wantErr(t, err, ErrInvalid, MsgMissingClient)
		tok, err := st.CreateAppToken(ctx, w.alice, "blue-app", true)
		wantErr(t, err, nil, "")
		if tok.Expires != 365*24*time.Hour || tok.AppName != "blue-app" {
			t.Errorf("token = %+v", tok)
		}
		c, err := st.Authenticate(ctx, tok.Token)
		if err != nil || c.AppName != "blue-app" || c.Email != "" {
			t.Fatalf("Authenticate(app token) = %+v, %v", c, err)
		}
		vars, _ := st.GetEnv(ctx, c, "blue-app", []string{"TSURU_APP_TOKEN"})
		if len(vars) != 1 || vars[0].Value != tok.Token || vars[0].Public {
			t.Errorf("exported token = %+v", vars)
		}
	})
}
