package tsuru

import (
	"context"
	"time"

	gen "github.com/specfirst/specfirst/gen/tsuru/server"
)

// Handlers of the operations on tokens and users.

func (h *Handlers) CreateAppToken(ctx context.Context, req gen.CreateAppTokenRequestObject) (gen.CreateAppTokenResponseObject, error) {
	export := req.Body.Export != nil && *req.Body.Export
	t, err := h.store.CreateAppToken(ctx, caller(ctx), req.Body.Client, export)
	if err != nil {
		return nil, err
	}
	return gen.CreateAppToken200JSONResponse{
		Token: t.Token, Creation: t.Creation.Format(time.RFC3339), Expires: int64(t.Expires), AppName: t.AppName,
	}, nil
}

func (h *Handlers) CreateUser(ctx context.Context, req gen.CreateUserRequestObject) (gen.CreateUserResponseObject, error) {
	if err := h.store.CreateUser(ctx, req.Body.Email, req.Body.Password); err != nil {
		return nil, err
	}
	return gen.CreateUser200Response{}, nil
}

func (h *Handlers) DeleteUser(ctx context.Context, _ gen.DeleteUserRequestObject) (gen.DeleteUserResponseObject, error) {
	if err := h.store.DeleteUser(ctx, caller(ctx).Email); err != nil {
		return nil, err
	}
	return gen.DeleteUser200Response{}, nil
}

func (h *Handlers) Login(ctx context.Context, req gen.LoginRequestObject) (gen.LoginResponseObject, error) {
	tok, err := h.store.Login(ctx, req.Email, req.Body.Password)
	if err != nil {
		return nil, err
	}
	return gen.Login200JSONResponse{Token: tok}, nil
}

func (h *Handlers) Logout(ctx context.Context, _ gen.LogoutRequestObject) (gen.LogoutResponseObject, error) {
	if err := h.store.Logout(ctx, caller(ctx).Token); err != nil {
		return nil, err
	}
	return gen.Logout200Response{}, nil
}

func (h *Handlers) ChangePassword(ctx context.Context, req gen.ChangePasswordRequestObject) (gen.ChangePasswordResponseObject, error) {
	if err := h.store.ChangePassword(ctx, caller(ctx).Email, req.Body.Old, req.Body.New); err != nil {
		return nil, err
	}
	return gen.ChangePassword200Response{}, nil
}

func (h *Handlers) ResetPassword(ctx context.Context, req gen.ResetPasswordRequestObject) (gen.ResetPasswordResponseObject, error) {
	var err error
	if req.Params.Token == nil || *req.Params.Token == "" {
		_, err = h.store.StartPasswordReset(ctx, req.Email)
	} else {
		_, err = h.store.ResetPassword(ctx, req.Email, *req.Params.Token)
	}
	if err != nil {
		return nil, err
	}
	return gen.ResetPassword200Response{}, nil
}

func (h *Handlers) AddKey(ctx context.Context, req gen.AddKeyRequestObject) (gen.AddKeyResponseObject, error) {
	if err := h.store.AddKey(ctx, caller(ctx).Email, req.Body.Key); err != nil {
		return nil, err
	}
	return gen.AddKey200Response{}, nil
}

func (h *Handlers) RemoveKey(ctx context.Context, req gen.RemoveKeyRequestObject) (gen.RemoveKeyResponseObject, error) {
	if err := h.store.RemoveKey(ctx, caller(ctx).Email, req.Body.Key); err != nil {
		return nil, err
	}
	return gen.RemoveKey200Response{}, nil
}
