package cvm

import (
	"context"
	"strconv"

	gen "github.com/specfirst/specfirst/gen/cvm"
	"github.com/specfirst/specfirst/server/kit"
)

// Handlers serve gen.StrictServerInterface from a Store. They only translate: the
// request has been authenticated and validated against the spec before they run, and
// their errors are mapped to statuses in errors.go.
type Handlers struct {
	store Store
}

var _ gen.StrictServerInterface = (*Handlers)(nil)

// NewHandlers returns the handlers over st.
func NewHandlers(st Store) *Handlers { return &Handlers{store: st} }

func caller(ctx context.Context) Caller {
	c, ok := kit.PrincipalFrom[Caller](ctx)
	if !ok {
		// Unreachable: every operation of the spec is protected, so validation has run
		// Authenticate. Fail closed rather than act as user 0.
		panic("cvm: handler reached without an authenticated caller")
	}
	return c
}

func (h *Handlers) ListVpses(ctx context.Context, _ gen.ListVpsesRequestObject) (gen.ListVpsesResponseObject, error) {
	vpses, err := h.store.ListVPSes(ctx, caller(ctx).UserID)
	if err != nil {
		return nil, err
	}
	var resp gen.ListVpses200JSONResponse
	resp.Response.Vpses = make([]gen.Vps, len(vpses))
	for i, v := range vpses {
		resp.Response.Vpses[i] = toVps(v)
	}
	return resp, nil
}

func (h *Handlers) GetVpsStatus(ctx context.Context, req gen.GetVpsStatusRequestObject) (gen.GetVpsStatusResponseObject, error) {
	v, err := h.store.GetVPS(ctx, caller(ctx).UserID, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetVpsStatus200JSONResponse{Response: toStatus(v)}, nil
}

func (h *Handlers) StartVps(ctx context.Context, req gen.StartVpsRequestObject) (gen.StartVpsResponseObject, error) {
	if _, err := h.store.Act(ctx, caller(ctx).UserID, req.Id, Start); err != nil {
		return nil, err
	}
	return gen.StartVps200JSONResponse{}, nil
}

func (h *Handlers) StopVps(ctx context.Context, req gen.StopVpsRequestObject) (gen.StopVpsResponseObject, error) {
	if _, err := h.store.Act(ctx, caller(ctx).UserID, req.Id, Stop); err != nil {
		return nil, err
	}
	return gen.StopVps200JSONResponse{}, nil
}

func (h *Handlers) RestartVps(ctx context.Context, req gen.RestartVpsRequestObject) (gen.RestartVpsResponseObject, error) {
	if _, err := h.store.Act(ctx, caller(ctx).UserID, req.Id, Restart); err != nil {
		return nil, err
	}
	return gen.RestartVps200JSONResponse{}, nil
}

func num(n int64) gen.NumericString { return gen.NumericString(strconv.FormatInt(n, 10)) }

func numPtr(n int64) *gen.NumericString { s := num(n); return &s }

func toVps(v VPS) gen.Vps {
	out := gen.Vps{
		Id:                 num(v.ID),
		Node:               numPtr(v.NodeID),
		VirtualizationType: gen.VpsVirtualizationType(strconv.Itoa(v.VirtualizationType)),
		Hostname:           v.Hostname,
		GuaranteedRam:      num(v.GuaranteedRAM),
		DiskSpace:          num(v.DiskSpace),
		CpuCount:           num(v.CPUCount),
	}
	if v.BurstableRAM != nil {
		out.BurstableRam = numPtr(*v.BurstableRAM)
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
func toStatus(v VPS) gen.VpsStatus {
	state := v.ReportedState()
	out := gen.VpsStatus{Status: gen.VpsState(state), RamUsed: num(0), DiskUsed: num(0)}
	if state == Running {
		out.RamUsed = num(v.RAMUsed)
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
