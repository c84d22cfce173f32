package tsuru

import (
	"context"

	api "github.com/specfirst/specfirst/gen/tsuru"
	gen "github.com/specfirst/specfirst/gen/tsuru/server"
)

// Handlers of the operations on teams.

func (h *Handlers) ListTeams(ctx context.Context, _ gen.ListTeamsRequestObject) (gen.ListTeamsResponseObject, error) {
	teams, err := h.store.ListTeams(ctx, caller(ctx).Email)
	if err != nil {
		return nil, err
	}
	out := make(gen.ListTeams200JSONResponse, len(teams))
	for i, t := range teams {
		out[i] = api.Team{Name: t}
	}
	return out, nil
}

func (h *Handlers) CreateTeam(ctx context.Context, req gen.CreateTeamRequestObject) (gen.CreateTeamResponseObject, error) {
	if err := h.store.CreateTeam(ctx, caller(ctx).Email, req.Body.Name); err != nil {
		return nil, err
	}
	return gen.CreateTeam200Response{}, nil
}

func (h *Handlers) DeleteTeam(ctx context.Context, req gen.DeleteTeamRequestObject) (gen.DeleteTeamResponseObject, error) {
	if err := h.store.DeleteTeam(ctx, caller(ctx).Email, req.Team); err != nil {
		return nil, err
	}
	return gen.DeleteTeam200Response{}, nil
}

func (h *Handlers) GetTeam(ctx context.Context, req gen.GetTeamRequestObject) (gen.GetTeamResponseObject, error) {
	t, err := h.store.GetTeam(ctx, caller(ctx).Email, req.Team)
	if err != nil {
		return nil, err
	}
	users := nonNil(t.Users)
	return gen.GetTeam200JSONResponse{Name: t.Name, Users: &users}, nil
}

func (h *Handlers) AddUserToTeam(ctx context.Context, req gen.AddUserToTeamRequestObject) (gen.AddUserToTeamResponseObject, error) {
	if err := h.store.AddUserToTeam(ctx, caller(ctx).Email, req.Team, req.User); err != nil {
		return nil, err
	}
	return gen.AddUserToTeam200Response{}, nil
}

func (h *Handlers) RemoveUserFromTeam(ctx context.Context, req gen.RemoveUserFromTeamRequestObject) (gen.RemoveUserFromTeamResponseObject, error) {
	if err := h.store.RemoveUserFromTeam(ctx, caller(ctx).Email, req.Team, req.User); err != nil {
		return nil, err
	}
	return gen.RemoveUserFromTeam200Response{}, nil
}
