// Package cvm implements the CVM client API (openapi/cvm.yaml): users, revocable API token
// pairs, host nodes and VPSes with their status state machine, kept in a Store, and the
// thin handlers that serve gen/cvm's strict server interface from it.
package cvm
