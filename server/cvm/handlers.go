package cvm

import (
	"context"
	"strconv"

	api "github.com/specfirst/specfirst/gen/cvm"
	gen "github.com/specfirst/specfirst/gen/cvm/server"
	"github.com/specfirst/specfirst/server/kit"
)

// Handlers serve gen.StrictServerInterface from a Store. They only translate: the
// request has been authenticated and validated against the spec before they run, and
// their errors are mapped to statuses by api.go's table.
type Handlers struct {
	store Store
}

var _ gen.StrictServerInterface = (*Handlers)(nil)

// NewHandlers returns the handlers over st.
func NewHandlers(st Store) *Handlers { return &Handlers{store: st} }

// caller is the authenticated user: every operation of the spec is protected.
func caller(ctx context.Context) Caller { return kit.Caller[Caller](ctx) }

func (h *Handlers) ListVpses(ctx context.Context, _ gen.ListVpsesRequestObject) (gen.ListVpsesResponseObject, error) {
	vpses, err := h.store.ListVPSes(ctx, caller(ctx).UserID)
	if err != nil {
		return nil, err
	}
	var resp gen.ListVpses200JSONResponse
	resp.Response.Vpses = make([]api.Vps, len(vpses))
	for i, v := range vpses {
		resp.Response.Vpses[i] = toVps(v)
	}
	return resp, nil
}

func (h *Handlers) GetVpsStatus(ctx context.Context, req gen.GetVpsStatusRequestObject) (gen.GetVpsStatusResponseObject, error) {
	v, err := h.store.GetVPS(ctx, caller(ctx).UserID, req.ID)
	if err != nil {
		return nil, err
	}
	return gen.GetVpsStatus200JSONResponse{Response: toStatus(v)}, nil
}

func (h *Handlers) StartVps(ctx context.Context, req gen.StartVpsRequestObject) (gen.StartVpsResponseObject, error) {
	if _, err := h.store.Act(ctx, caller(ctx).UserID, req.ID, Start); err != nil {
		return nil, err
	}
	return gen.StartVps200JSONResponse{}, nil
}

func (h *Handlers) StopVps(ctx context.Context, req gen.StopVpsRequestObject) (gen.StopVpsResponseObject, error) {
	if _, err := h.store.Act(ctx, caller(ctx).UserID, req.ID, Stop); err != nil {
		return nil, err
	}
	return gen.StopVps200JSONResponse{}, nil
}

func (h *Handlers) RestartVps(ctx context.Context, req gen.RestartVpsRequestObject) (gen.RestartVpsResponseObject, error) {
	if _, err := h.store.Act(ctx, caller(ctx).UserID, req.ID, Restart); err != nil {
		return nil, err
	}
	return gen.RestartVps200JSONResponse{}, nil
}

func num(n int64) api.NumericString { return api.NumericString(strconv.FormatInt(n, 10)) }

func numPtr(n int64) *api.NumericString { s := num(n); return &s }

func toVps(v VPS) api.Vps {
	out := api.Vps{
		ID:                 num(v.ID),
		Node:               numPtr(v.NodeID),
		VirtualizationType: api.VpsVirtualizationType(strconv.Itoa(v.VirtualizationType)),
		Hostname:           v.Hostname,
		GuaranteedRAM:      num(v.GuaranteedRAM),
		DiskSpace:          num(v.DiskSpace),
		CPUCount:           num(v.CPUCount),
	}
	if v.BurstableRAM != nil {
		out.BurstableRAM = numPtr(*v.BurstableRAM)
	}
	if t := v.Traffic; t.Split {
		out.TrafficInLimit, out.TrafficInUsed = numPtr(t.InLimit), numPtr(t.InUsed)
		out.TrafficOutLimit, out.TrafficOutUsed = numPtr(t.OutLimit), numPtr(t.OutUsed)
	} else {
		out.TrafficLimit, out.TrafficUsed = numPtr(t.Limit), numPtr(t.Used)
	}
	return out
}

// toStatus reports live metrics only where they exist: a VPS that is not running uses no
// RAM, and nothing live is known while its node is unreachable.
func toStatus(v VPS) api.VpsStatus {
	state := v.ReportedState()
	out := api.VpsStatus{Status: api.VpsState(state), RAMUsed: num(0), DiskUsed: num(0)}
	if state == Running {
		out.RAMUsed = num(v.RAMUsed)
	}
	if state != Unknown {
		out.DiskUsed = num(v.DiskUsed)
	}
	if t := v.Traffic; t.Split {
		out.TrafficInUsed, out.TrafficOutUsed = numPtr(t.InUsed), numPtr(t.OutUsed)
	} else {
		out.TrafficUsed = numPtr(t.Used)
	}
	return out
}
