# specfirst: spec-first Go servers and clients for five documented REST APIs.
GO       ?= go
ADDR     ?= 127.0.0.1:8080
DATA_DIR ?= ./data
# The PostgreSQL leg of the tests runs when this is set (CI sets it), e.g.
# SPECFIRST_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
export SPECFIRST_TEST_DATABASE_URL

.PHONY: all generate check-generated build run test test-race lint vet fmt bench bench-validation clean

all: check-generated lint test

## generate: regenerate gen/NAME from openapi/NAME.yaml (oapi-codegen pinned in go.mod via tools.go)
generate:
	$(GO) generate ./gen/...

## check-generated: fail if the committed generated code differs from what the specs give
check-generated: generate
	@git diff --exit-code --stat -- gen/ || (echo "gen/ is stale: run 'make generate' and commit the result" >&2; exit 1)
	@test -z "$$(git status --porcelain -- gen/)" || (git status --porcelain -- gen/; echo "gen/ has uncommitted files: commit them" >&2; exit 1)

## build: build the apiserver into bin/
build:
	$(GO) build -o bin/apiserver ./cmd/apiserver

## run: serve every API, Swagger UI at http://$(ADDR)/docs/, with demo data on first start
run:
	$(GO) run ./cmd/apiserver --addr $(ADDR) --data-dir $(DATA_DIR)

## test: every test (PostgreSQL leg too when SPECFIRST_TEST_DATABASE_URL is set)
test:
	$(GO) test -count=1 ./...

test-race:
	$(GO) test -count=1 -race ./...

## lint: gofmt and go vet
lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^gen/')); test -z "$$out" || (echo "gofmt needed: $$out" >&2; exit 1)

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go' | grep -v '^gen/')

## bench: every Go benchmark
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## bench-validation: what request validation costs, in one process (docs/BENCHMARKS.md); the last line sums it up
bench-validation:
	@$(GO) run ./bench/validation/cmd/benchvalidation

clean:
	rm -rf bin
