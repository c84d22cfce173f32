package tsuru

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// storePlatforms runs the store rules on healers, platforms and quotas, on the shared world of TestStore.
func storePlatforms(t *testing.T, w *world) {
	ctx := context.Background()
	st := w.st

	t.Run("healers and platforms", func(t *testing.T) {
		wantErr(t, st.ExecuteHealer(ctx, "nope"), ErrNotFound, MsgHealerNotFound)
		must(t, st.AddHealer(ctx, "app-heal", "http://healer.com"))
		must(t, st.ExecuteHealer(ctx, "app-heal"))
		hs, _ := st.ListHealers(ctx)
		if len(hs) != 1 || hs[0].Runs != 1 {
			t.Errorf("healers = %+v", hs)
		}
		ps, _ := st.ListPlatforms(ctx)
		if !slices.Equal(ps, []string{"python"}) {
			t.Errorf("platforms = %v", ps)
		}
	})

	t.Run("quota", func(t *testing.T) {
		_, err := st.GetQuota(ctx, "nobody@example.com")
		wantErr(t, err, ErrNotFound, MsgQuotaNotFound)
		q, err := st.GetQuota(ctx, w.alice.Email)
		if err != nil || q.Items != 1 || q.Available != DefaultAppsPerUser-1 {
			t.Errorf("quota = %+v, %v", q, err)
		}
		must(t, st.SetQuotaLimit(ctx, w.alice.Email, 2))
		_, err = st.CreateApp(ctx, w.alice, NewApp{Name: "second", Platform: "python"})
		wantErr(t, err, nil, "")
		_, err = st.CreateApp(ctx, w.alice, NewApp{Name: "third", Platform: "python"})
		wantErr(t, err, ErrForbidden, MsgQuotaExceeded)
		if _, err := st.GetApp(ctx, w.alice, "third"); !errors.Is(err, ErrNotFound) {
			t.Errorf("the refused app exists: %v", err)
		}
		must(t, st.DeleteApp(ctx, w.alice, "second"))
		if q, _ := st.GetQuota(ctx, w.alice.Email); q.Items != 1 || q.Available != 1 {
			t.Errorf("quota after delete = %+v", q)
		}
		// A refused duplicate does not use an item.
		_, err = st.CreateApp(ctx, w.alice, NewApp{Name: "blue-app", Platform: "python"})
		wantErr(t, err, ErrConflict, MsgAppExists)
		if q, _ := st.GetQuota(ctx, w.alice.Email); q.Items != 1 {
			t.Errorf("quota after a refused duplicate = %+v", q)
		}
	})
}
