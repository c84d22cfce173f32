package tsuru

import (
	"context"

	gen "github.com/specfirst/specfirst/gen/tsuru/server"
)

// Handlers of the operations on service instances.

func (h *Handlers) ListServiceInstances(ctx context.Context, _ gen.ListServiceInstancesRequestObject) (gen.ListServiceInstancesResponseObject, error) {
	l, err := h.store.ListInstances(ctx, caller(ctx).Email)
	if err != nil {
		return nil, err
	}
	return gen.ListServiceInstances200JSONResponse(toServiceList(l)), nil
}

func (h *Handlers) CreateServiceInstance(ctx context.Context, req gen.CreateServiceInstanceRequestObject) (gen.CreateServiceInstanceResponseObject, error) {
	if err := h.store.CreateInstance(ctx, caller(ctx).Email, req.Body.ServiceName, req.Body.Name); err != nil {
		return nil, err
	}
	return gen.CreateServiceInstance200Response{}, nil
}

func (h *Handlers) DeleteServiceInstance(ctx context.Context, req gen.DeleteServiceInstanceRequestObject) (gen.DeleteServiceInstanceResponseObject, error) {
	if err := h.store.DeleteInstance(ctx, caller(ctx).Email, req.Instance); err != nil {
		return nil, err
	}
	return gen.DeleteServiceInstance200TextResponse(MsgInstanceRemoved), nil
}

func (h *Handlers) GetServiceInstance(ctx context.Context, req gen.GetServiceInstanceRequestObject) (gen.GetServiceInstanceResponseObject, error) {
	in, err := h.store.GetInstance(ctx, caller(ctx).Email, req.Instance)
	if err != nil {
		return nil, err
	}
	return gen.GetServiceInstance200JSONResponse{Name: in.Name, Servicename: in.ServiceName, Teams: nonNil(in.Teams), Apps: nonNil(in.Apps)}, nil
}

func (h *Handlers) GetServiceInstanceStatus(ctx context.Context, req gen.GetServiceInstanceStatusRequestObject) (gen.GetServiceInstanceStatusResponseObject, error) {
	st, err := h.store.InstanceStatus(ctx, caller(ctx).Email, req.Instance)
	if err != nil {
		return nil, err
	}
	return gen.GetServiceInstanceStatus200TextResponse(st), nil
}

func (h *Handlers) BindServiceInstance(ctx context.Context, req gen.BindServiceInstanceRequestObject) (gen.BindServiceInstanceResponseObject, error) {
	env, err := h.store.Bind(ctx, caller(ctx), req.Instance, req.Appname)
	if err != nil {
		return nil, err
	}
	return gen.BindServiceInstance200JSONResponse(env), nil
}

func (h *Handlers) UnbindServiceInstance(ctx context.Context, req gen.UnbindServiceInstanceRequestObject) (gen.UnbindServiceInstanceResponseObject, error) {
	if err := h.store.Unbind(ctx, caller(ctx), req.Instance, req.Appname); err != nil {
		return nil, err
	}
	return gen.UnbindServiceInstance200Response{}, nil
}
