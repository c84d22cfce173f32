// Package tsuru implements the tsuru PaaS API (openapi/tsuru.yaml): users and sessions,
// teams, platforms, quotas, apps with units and environment, services, service instances
// and their bindings, healers and app tokens, kept in a Store whose rules hold across
// replicas, and the thin handlers that serve gen/tsuru's strict server interface from it.
package tsuru
