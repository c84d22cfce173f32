package tsuru

import (
	"context"

	api "github.com/specfirst/specfirst/gen/tsuru"
	gen "github.com/specfirst/specfirst/gen/tsuru/server"
)

// Handlers of the operations on healers, platforms, quotas.

func (h *Handlers) ListHealers(ctx context.Context, _ gen.ListHealersRequestObject) (gen.ListHealersResponseObject, error) {
	hs, err := h.store.ListHealers(ctx)
	if err != nil {
		return nil, err
	}
	out := make(gen.ListHealers200JSONResponse, len(hs))
	for i, x := range hs {
		out[i] = api.HealerMap{x.Name: x.URL}
	}
	return out, nil
}

func (h *Handlers) ExecuteHealer(ctx context.Context, req gen.ExecuteHealerRequestObject) (gen.ExecuteHealerResponseObject, error) {
	if err := h.store.ExecuteHealer(ctx, req.Healer); err != nil {
		return nil, err
	}
	return gen.ExecuteHealer200Response{}, nil
}

func (h *Handlers) ListPlatforms(ctx context.Context, _ gen.ListPlatformsRequestObject) (gen.ListPlatformsResponseObject, error) {
	ps, err := h.store.ListPlatforms(ctx)
	if err != nil {
		return nil, err
	}
	out := make(gen.ListPlatforms200JSONResponse, len(ps))
	for i, p := range ps {
		out[i] = api.Platform{Name: p}
	}
	return out, nil
}

func (h *Handlers) GetQuota(ctx context.Context, req gen.GetQuotaRequestObject) (gen.GetQuotaResponseObject, error) {
	q, err := h.store.GetQuota(ctx, req.User)
	if err != nil {
		return nil, err
	}
	return gen.GetQuota200JSONResponse{Items: q.Items, Available: q.Available}, nil
}
