package cvm

import (
	"errors"
	"fmt"

	"github.com/specfirst/specfirst/server/domain"
)

// State is the stored state of a VPS. "unknown" is never stored: it is what the status
// call reports while the VPS's host node cannot be reached.
type State string

const (
	Running    State = "running"
	Stopped    State = "stopped"
	Suspended  State = "suspended"
	Terminated State = "terminated"
	Unknown    State = "unknown"
)

// Valid reports whether s can be stored.
func (s State) Valid() bool {
	switch s {
	case Running, Stopped, Suspended, Terminated:
		return true
	}
	return false
}

// Action is what a client asks a VPS to do.
type Action string

const (
	Start   Action = "start"
	Stop    Action = "stop"
	Restart Action = "restart"
)

// Caller is the authenticated user of a request.
type Caller struct {
	UserID      int64
	TokenPairID int64
}

// User owns token pairs and VPSes.
type User struct {
	ID   int64
	Name string
}

// Node is a host node. Actions on the VPSes of an unreachable node fail with
// ErrNodeUnreachable.
type Node struct {
	ID        int64
	Name      string
	Reachable bool
}

// Traffic is a VPS's traffic accounting: combined (Limit, Used) or split (In…, Out…).
type Traffic struct {
	Split             bool
	Limit, Used       int64
	InLimit, InUsed   int64
	OutLimit, OutUsed int64
}

// VPS is a virtual server. Sizes follow the API: RAM and disk space in megabytes, traffic
// and usage in bytes.
type VPS struct {
	ID                 int64
	UserID             int64
	NodeID             int64
	NodeReachable      bool
	VirtualizationType int
	Hostname           string
	GuaranteedRAM      int64
	BurstableRAM       *int64 // nil with vSwap
	DiskSpace          int64
	CPUCount           int64
	Traffic            Traffic
	RAMUsed            int64
	DiskUsed           int64
	State              State
}

// ReportedState is what the status call reports: unknown while the node is unreachable.
func (v VPS) ReportedState() State {
	if !v.NodeReachable {
		return Unknown
	}
	return v.State
}

// Domain errors. The API maps them to statuses in one place (api.go's table; a
// NotFoundError is a domain.ErrNotFound, which the shared table maps to 404).
var (
	// ErrBadTokenPair: no valid token pair (missing, wrong or revoked) → 401.
	ErrBadTokenPair = errors.New("No valid API token pair was specified.")
	// ErrNoClientAccess: a valid pair without access to the client API → 403.
	ErrNoClientAccess = errors.New("This API token pair does not have access to the client API.")
	// ErrNodeUnreachable → 503.
	ErrNodeUnreachable = errors.New("The host node of this VPS cannot be reached.")
	// ErrConflict: a name that must be unique is taken.
	ErrConflict = errors.New("already exists")
	// ErrActionRefused: the VPS's state refuses the action (an *ActionError says which) → 500.
	ErrActionRefused = errors.New("action refused")
)

// NotFoundError: no such VPS for this user (another user's VPS included) → 404.
type NotFoundError struct{ ID int64 }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("No VPS with ID %d exists for this user.", e.ID)
}

func (e *NotFoundError) Unwrap() error { return domain.ErrNotFound }

// ActionError: the VPS's state refuses the action → 500, as the document says.
type ActionError struct {
	Action Action
	State  State
}

func (e *ActionError) Error() string {
	verb := map[Action]string{Start: "started", Stop: "shut down", Restart: "restarted"}[e.Action]
	return fmt.Sprintf("The VPS could not be %s because it is %s.", verb, e.State)
}

func (e *ActionError) Unwrap() error { return ErrActionRefused }

// Transition is the VPS state machine: start takes stopped to running, stop takes running
// to stopped, restart leaves the VPS running; suspended and terminated VPSes refuse every
// action. Repeating an action that already holds (start on running) is not an error.
func Transition(from State, a Action) (State, error) {
	switch from {
	case Suspended, Terminated:
		return from, &ActionError{Action: a, State: from}
	case Running, Stopped:
	default:
		return from, fmt.Errorf("cvm: unexpected state %q", from)
	}
	switch a {
	case Start, Restart:
		return Running, nil
	case Stop:
		return Stopped, nil
	}
	return from, fmt.Errorf("cvm: unknown action %q", a)
}
