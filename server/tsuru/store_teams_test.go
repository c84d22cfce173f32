package tsuru

import (
	"context"
	"slices"
	"testing"
)

// storeTeams runs the store rules on teams and membership, on the shared world of TestStore.
func storeTeams(t *testing.T, w *world) {
	ctx := context.Background()
	st := w.st

	t.Run("teams", func(t *testing.T) {
		tests := []struct {
			name string
			do   func() error
			kind error
			msg  string
		}{
			{"invalid name", func() error { return st.CreateTeam(ctx, w.carol.Email, "1team") }, ErrInvalid, MsgInvalidTeamName},
			{"one character", func() error { return st.CreateTeam(ctx, w.carol.Email, "a") }, ErrInvalid, MsgInvalidTeamName},
			{"duplicate", func() error { return st.CreateTeam(ctx, w.carol.Email, "red") }, ErrConflict, MsgTeamExists},
			{"info of unknown team", func() error { _, err := st.GetTeam(ctx, w.alice.Email, "nope"); return err }, ErrNotFound, MsgTeamNotFound},
			{"info as non-member", func() error { _, err := st.GetTeam(ctx, w.bob.Email, "red"); return err }, ErrForbidden, MsgNotTeamMember},
			{"add to unknown team", func() error { return st.AddUserToTeam(ctx, w.alice.Email, "nope", w.bob.Email) }, ErrNotFound, MsgTeamNotFound},
			{"add as non-member", func() error { return st.AddUserToTeam(ctx, w.bob.Email, "red", w.carol.Email) }, ErrForbidden, "You are not authorized to add new users to the team red"},
			{"add unknown user", func() error { return st.AddUserToTeam(ctx, w.alice.Email, "red", "ghost@example.com") }, ErrNotFound, MsgUserNotFound},
			{"add a member again", func() error { return st.AddUserToTeam(ctx, w.alice.Email, "red", w.alice.Email) }, ErrConflict, "User alice@example.com is already in the team red."},
			{"remove as non-member", func() error { return st.RemoveUserFromTeam(ctx, w.bob.Email, "red", w.alice.Email) }, ErrForbidden, "You are not authorized to remove a member from the team red"},
			{"remove a non-member", func() error { return st.RemoveUserFromTeam(ctx, w.alice.Email, "red", w.bob.Email) }, ErrNotFound, "User bob@example.com is not in the team red."},
			{"remove the last member", func() error { return st.RemoveUserFromTeam(ctx, w.alice.Email, "red", w.alice.Email) }, ErrForbidden, MsgLastTeamMember},
			{"delete a team with apps", func() error { return st.DeleteTeam(ctx, w.alice.Email, "red") }, ErrForbidden, MsgTeamHasApps},
			{"delete another's team", func() error { return st.DeleteTeam(ctx, w.alice.Email, "blue") }, ErrNotFound, `Team "blue" not found.`},
			{"delete the last user of a team", func() error { return st.DeleteUser(ctx, w.bob.Email) }, ErrForbidden, "This user is the last member of the team \"blue\", so it cannot be removed.\n\nPlease remove the team, then remove the user."},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.do(), tc.kind, tc.msg) })
		}
		// A full membership cycle.
		must(t, st.CreateTeam(ctx, w.carol.Email, "green team"))
		must(t, st.AddUserToTeam(ctx, w.carol.Email, "green team", w.bob.Email))
		team, err := st.GetTeam(ctx, w.bob.Email, "green team")
		if err != nil || !slices.Equal(team.Users, []string{w.bob.Email, w.carol.Email}) {
			t.Errorf("team = %+v, %v", team, err)
		}
		must(t, st.RemoveUserFromTeam(ctx, w.bob.Email, "green team", w.carol.Email))
		must(t, st.DeleteTeam(ctx, w.bob.Email, "green team"))
		teams, _ := st.ListTeams(ctx, w.bob.Email)
		if !slices.Equal(teams, []string{"blue"}) {
			t.Errorf("bob's teams = %v", teams)
		}
	})
}
