package tsuru

import (
	"context"
	"io"
	"time"

	gen "github.com/specfirst/specfirst/gen/tsuru"
	"github.com/specfirst/specfirst/server/kit"
)

// Handlers serve gen.StrictServerInterface from a Store. They only translate: the request
// has been authenticated and validated against the spec before they run, the rules live
// in the Store, and their errors become statuses in api.go's mapError.
type Handlers struct {
	store Store
}

var _ gen.StrictServerInterface = (*Handlers)(nil)

// NewHandlers returns the handlers over st.
func NewHandlers(st Store) *Handlers { return &Handlers{store: st} }

// maxManifest bounds a service manifest read from a request body.
const maxManifest = 1 << 20

func caller(ctx context.Context) Caller {
	c, ok := kit.PrincipalFrom[Caller](ctx)
	if !ok {
		// Unreachable for protected operations: kit ran Authenticate before the handler.
		// Fail closed rather than act as nobody.
		panic("tsuru: protected handler reached without an authenticated caller")
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func toApp(a App) gen.App {
	units := make([]gen.Unit, len(a.Units))
	for i, u := range a.Units {
		units[i] = gen.Unit{Name: u.Name, Ip: ptr(u.Ip), State: ptr(u.State)}
	}
	teams := append([]string{}, a.Teams...)
	return gen.App{
		Name: a.Name, Framework: ptr(a.Platform), Repository: ptr(a.Repository), State: ptr(a.State),
		Ip: ptr(a.Ip), Units: &units, Teams: &teams,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func toServiceList(l []ServiceInstances) []gen.ServiceListItem {
	out := make([]gen.ServiceListItem, len(l))
	for i, s := range l {
		out[i] = gen.ServiceListItem{Service: s.Service, Instances: nonNil(s.Instances)}
	}
	return out
}

// ---- apps ----

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
	return gen.CreateApp200JSONResponse{Status: "success", RepositoryUrl: a.Repository}, nil
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
		out[i] = gen.EnvVar{Name: v.Name, Value: v.Value, Public: v.Public}
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

// ---- healers, platforms, quotas ----

func (h *Handlers) ListHealers(ctx context.Context, _ gen.ListHealersRequestObject) (gen.ListHealersResponseObject, error) {
	hs, err := h.store.ListHealers(ctx)
	if err != nil {
		return nil, err
	}
	out := make(gen.ListHealers200JSONResponse, len(hs))
	for i, x := range hs {
		out[i] = gen.HealerMap{x.Name: x.URL}
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
		out[i] = gen.Platform{Name: p}
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

// ---- services ----

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
		out[i] = gen.ServiceInstance{Name: in.Name, ServiceName: in.ServiceName, Teams: nonNil(in.Teams), Apps: nonNil(in.Apps)}
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

// ---- service instances ----

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

// ---- teams ----

func (h *Handlers) ListTeams(ctx context.Context, _ gen.ListTeamsRequestObject) (gen.ListTeamsResponseObject, error) {
	teams, err := h.store.ListTeams(ctx, caller(ctx).Email)
	if err != nil {
		return nil, err
	}
	out := make(gen.ListTeams200JSONResponse, len(teams))
	for i, t := range teams {
		out[i] = gen.Team{Name: t}
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

// ---- tokens and users ----

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
