package tsuru

import (
	"context"

	api "github.com/specfirst/specfirst/gen/tsuru"
	gen "github.com/specfirst/specfirst/gen/tsuru/server"
)

// Handlers of the operations on apps.

func (h *Handlers) ListApps(ctx context.Context, _ gen.ListAppsRequestObject) (gen.ListAppsResponseObject, error) {
	apps, err := h.store.ListApps(ctx, caller(ctx))
	if err != nil {
		return nil, err
	}
	out := make(gen.ListApps200JSONResponse, len(apps))
	for i, a := range apps {
		out[i] = toApp(a)
	}
	return out, nil
}

func (h *Handlers) CreateApp(ctx context.Context, req gen.CreateAppRequestObject) (gen.CreateAppResponseObject, error) {
	b := req.Body
	na := NewApp{Name: b.Name}
	switch {
	case b.Platform != nil:
		na.Platform = *b.Platform
	case b.Framework != nil:
		na.Platform = *b.Framework
	}
	if b.Units != nil {
		na.Units = *b.Units
	}
	a, err := h.store.CreateApp(ctx, caller(ctx), na)
	if err != nil {
		return nil, err
	}
	return gen.CreateApp200JSONResponse{Status: "success", RepositoryURL: a.Repository}, nil
}

func (h *Handlers) DeleteApp(ctx context.Context, req gen.DeleteAppRequestObject) (gen.DeleteAppResponseObject, error) {
	if err := h.store.DeleteApp(ctx, caller(ctx), req.Appname); err != nil {
		return nil, err
	}
	return gen.DeleteApp200Response{}, nil
}

func (h *Handlers) GetApp(ctx context.Context, req gen.GetAppRequestObject) (gen.GetAppResponseObject, error) {
	a, err := h.store.GetApp(ctx, caller(ctx), req.Appname)
	if err != nil {
		return nil, err
	}
	return gen.GetApp200JSONResponse(toApp(a)), nil
}

func (h *Handlers) RestartApp(ctx context.Context, req gen.RestartAppRequestObject) (gen.RestartAppResponseObject, error) {
	if err := h.store.RestartApp(ctx, caller(ctx), req.Appname); err != nil {
		return nil, err
	}
	return gen.RestartApp200TextResponse(" ---> Restarting your app\n"), nil
}

func (h *Handlers) GetAppEnv(ctx context.Context, req gen.GetAppEnvRequestObject) (gen.GetAppEnvResponseObject, error) {
	var names []string
	if req.Body != nil {
		names = *req.Body
	}
	vars, err := h.store.GetEnv(ctx, caller(ctx), req.Appname, names)
	if err != nil {
		return nil, err
	}
	out := make(gen.GetAppEnv200JSONResponse, len(vars))
	for i, v := range vars {
		out[i] = api.EnvVar{Name: v.Name, Value: v.Value, Public: v.Public}
	}
	return out, nil
}

func (h *Handlers) SetAppEnv(ctx context.Context, req gen.SetAppEnvRequestObject) (gen.SetAppEnvResponseObject, error) {
	var vars map[string]string
	if req.Body != nil {
		vars = *req.Body
	}
	if err := h.store.SetEnv(ctx, caller(ctx), req.Appname, vars); err != nil {
		return nil, err
	}
	return gen.SetAppEnv200Response{}, nil
}

func (h *Handlers) UnsetAppEnv(ctx context.Context, req gen.UnsetAppEnvRequestObject) (gen.UnsetAppEnvResponseObject, error) {
	var names []string
	if req.Body != nil {
		names = *req.Body
	}
	if err := h.store.UnsetEnv(ctx, caller(ctx), req.Appname, names); err != nil {
		return nil, err
	}
	return gen.UnsetAppEnv200Response{}, nil
}

func (h *Handlers) SwapApps(ctx context.Context, req gen.SwapAppsRequestObject) (gen.SwapAppsResponseObject, error) {
	if err := h.store.Swap(ctx, caller(ctx), req.Params.App1, req.Params.App2); err != nil {
		return nil, err
	}
	return gen.SwapApps200Response{}, nil
}
