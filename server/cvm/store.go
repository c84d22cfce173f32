package cvm

import "context"

// Store is the contract every storage backend implements; store_test.go runs one suite
// against each backend.
type Store interface {
	// Authenticate resolves a token pair: ErrBadTokenPair when it is missing, wrong or
	// revoked, ErrNoClientAccess when it is valid but may not use the client API.
	Authenticate(ctx context.Context, public, private string) (Caller, error)
	// ListVPSes returns the user's VPSes in id order.
	ListVPSes(ctx context.Context, userID int64) ([]VPS, error)
	// GetVPS returns one of the user's VPSes, or a *NotFoundError.
	GetVPS(ctx context.Context, userID, vpsID int64) (VPS, error)
	// Act applies an action through Transition and returns the VPS as it is afterwards.
	// Errors: *NotFoundError, ErrNodeUnreachable, *ActionError.
	Act(ctx context.Context, userID, vpsID int64, a Action) (VPS, error)

	// Panel-side administration: used by seeding, tests and operators, not by the API.
	CreateUser(ctx context.Context, name string) (User, error)
	// AddTokenPair stores a pair (hashed); it fails with ErrConflict if the public token is taken.
	AddTokenPair(ctx context.Context, userID int64, public, private string, clientAPI bool) error
	RevokeTokenPair(ctx context.Context, public string) error
	CreateNode(ctx context.Context, name string, reachable bool) (Node, error)
	SetNodeReachable(ctx context.Context, nodeID int64, reachable bool) error
	// CreateVPS stores v (its ID is ignored) and returns it with its new ID.
	CreateVPS(ctx context.Context, v VPS) (VPS, error)
	// SetState sets a VPS's state as the panel would (suspend, terminate, …).
	SetState(ctx context.Context, vpsID int64, s State) error
	// Empty reports whether the store holds no users yet (seeding happens only then).
	Empty(ctx context.Context) (bool, error)
}
