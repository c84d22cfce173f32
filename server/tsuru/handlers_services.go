package tsuru

import (
	"context"
	"io"

	api "github.com/specfirst/specfirst/gen/tsuru"
	gen "github.com/specfirst/specfirst/gen/tsuru/server"
)

// Handlers of the operations on services.

func (h *Handlers) ListServices(ctx context.Context, _ gen.ListServicesRequestObject) (gen.ListServicesResponseObject, error) {
	l, err := h.store.ListServices(ctx, caller(ctx).Email)
	if err != nil {
		return nil, err
	}
	return gen.ListServices200JSONResponse(toServiceList(l)), nil
}

func readManifest(body io.Reader) (Manifest, error) {
	if body == nil {
		return ParseManifest(nil)
	}
	data, err := io.ReadAll(io.LimitReader(body, maxManifest))
	if err != nil {
		return Manifest{}, err
	}
	return ParseManifest(data)
}

func (h *Handlers) CreateService(ctx context.Context, req gen.CreateServiceRequestObject) (gen.CreateServiceResponseObject, error) {
	m, err := readManifest(req.Body)
	if err != nil {
		return nil, err
	}
	if err := h.store.CreateService(ctx, caller(ctx).Email, m); err != nil {
		return nil, err
	}
	return gen.CreateService200Response{}, nil
}

func (h *Handlers) UpdateService(ctx context.Context, req gen.UpdateServiceRequestObject) (gen.UpdateServiceResponseObject, error) {
	m, err := readManifest(req.Body)
	if err != nil {
		return nil, err
	}
	if err := h.store.UpdateService(ctx, caller(ctx).Email, m); err != nil {
		return nil, err
	}
	return gen.UpdateService200Response{}, nil
}

func (h *Handlers) DeleteService(ctx context.Context, req gen.DeleteServiceRequestObject) (gen.DeleteServiceResponseObject, error) {
	if err := h.store.DeleteService(ctx, caller(ctx).Email, req.Service); err != nil {
		return nil, err
	}
	return gen.DeleteService204Response{}, nil
}

func (h *Handlers) GetService(ctx context.Context, req gen.GetServiceRequestObject) (gen.GetServiceResponseObject, error) {
	insts, err := h.store.GetService(ctx, caller(ctx).Email, req.Service)
	if err != nil {
		return nil, err
	}
	out := make(gen.GetService200JSONResponse, len(insts))
	for i, in := range insts {
		out[i] = api.ServiceInstance{Name: in.Name, ServiceName: in.ServiceName, Teams: nonNil(in.Teams), Apps: nonNil(in.Apps)}
	}
	return out, nil
}

func (h *Handlers) GetServiceDoc(ctx context.Context, req gen.GetServiceDocRequestObject) (gen.GetServiceDocResponseObject, error) {
	doc, err := h.store.GetServiceDoc(ctx, caller(ctx).Email, req.Service)
	if err != nil {
		return nil, err
	}
	return gen.GetServiceDoc200TextResponse(doc), nil
}

func (h *Handlers) UpdateServiceDoc(ctx context.Context, req gen.UpdateServiceDocRequestObject) (gen.UpdateServiceDocResponseObject, error) {
	doc := ""
	if req.Body != nil {
		doc = *req.Body
	}
	if err := h.store.SetServiceDoc(ctx, caller(ctx).Email, req.Service, doc); err != nil {
		return nil, err
	}
	return gen.UpdateServiceDoc200Response{}, nil
}

func (h *Handlers) GrantServiceAccess(ctx context.Context, req gen.GrantServiceAccessRequestObject) (gen.GrantServiceAccessResponseObject, error) {
	if err := h.store.GrantService(ctx, caller(ctx).Email, req.Service, req.Team); err != nil {
		return nil, err
	}
	return gen.GrantServiceAccess200Response{}, nil
}

func (h *Handlers) RevokeServiceAccess(ctx context.Context, req gen.RevokeServiceAccessRequestObject) (gen.RevokeServiceAccessResponseObject, error) {
	if err := h.store.RevokeService(ctx, caller(ctx).Email, req.Service, req.Team); err != nil {
		return nil, err
	}
	return gen.RevokeServiceAccess200Response{}, nil
}
