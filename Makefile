# With only Go, make run and make unit work. make test, the one command that
# runs everything CI runs, also installs Go tools into .tmp/bin, a PyPI wheel,
# npm packages, a Python venv, Maven dependencies and Debian packages (redis-server,
# chromium, a JDK and Maven, podman): README.md, "What make test installs and
# costs", lists them. Tool versions are pinned in tools/go.mod, third-party
# protos in the variables below.

SHELL := /usr/bin/env bash -o pipefail
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

TMP := $(CURDIR)/.tmp
BIN := $(TMP)/bin
PROTODEPS := $(TMP)/protodeps
export PATH := $(BIN):$(PATH)

# Third-party protos, taken from packages that ship them at generate time.
# protovalidate: the release matching buf.build/go/protovalidate's generated code.
PROTOVALIDATE_VERSION := v1.2.2
# grpc-gateway v1 ships googleapis' google/api/{annotations,http}.proto.
GOOGLEAPIS_MODULE_VERSION := v1.16.0
# google/rpc/{status,error_details}.proto, the error details we answer with, for
# the descriptor set: from the PyPI wheel pinned (with its hash) in this file.
GOOGLE_RPC_REQUIREMENTS := tools/google-rpc-protos.txt

FUZZTIME ?= 30s
# make test fuzzes by execution count, not wall-clock time: the same work on
# a loaded machine as on an idle one, and no race with the fuzzing
# coordinator's own deadline.
TEST_FUZZTIME ?= 500x
# A git ref make breaking compares proto/ with; empty: the last tag before
# HEAD, or HEAD~1.
BREAKING_AGAINST ?=
BENCH ?= .
BENCHTIME ?= 1s
BENCH_COUNT ?= 1
# Packages with Go benchmarks of the request path.
BENCH_PKGS := ./validation ./service ./telegent ./server
# The load benchmark (bench/loadbench; see BENCHMARKS.md).
BENCH_DURATION ?= 5s
BENCH_C1_DURATION ?= 3s
BENCH_WARMUP ?= 1s
BENCH_CONCURRENCY ?= 32
BENCH_ROUNDS ?= 3
# A git ref whose facade bench-load runs beside the working tree's, e.g. HEAD~1,
# and the -pgo it is built with (off: without its default.pgo).
BENCH_BASELINE ?=
BENCH_BASELINE_PGO ?=
# The -pgo the working tree's processes are built with (empty: go's auto, the
# facade with cmd/telegent-facade/default.pgo).
BENCH_PGO ?=
PROFILE_DIR ?= $(TMP)/profile
LOADBENCH = go run ./bench/loadbench -concurrency $(BENCH_CONCURRENCY) -warmup $(BENCH_WARMUP)

# Parts of the project beyond the Go service (the clients, the deployment, the
# browser tests) each have a fragment in mk/. A fragment adds its targets to
# these lists, so `make generate`, `make checkgenerate` and `make test` cover
# it without this file knowing it.
GENERATE_TARGETS :=
GENERATED_PATHS := gen proto
TEST_TARGETS :=
# DIST_TARGETS: what `make dist` builds into dist/ (one target per client).
DIST_TARGETS :=
# TEST_DEPS: what the Go tests need installed first (redis-server, chromium).
TEST_DEPS :=

# $(call apt_install,PACKAGES): install the Debian packages that are missing.
apt_install = missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

include $(sort $(wildcard mk/*.mk))

.PHONY: help
help: ## Describe useful make targets, and the steps of make test
	@grep -hE '^[a-zA-Z_-]+:.*?## .*$$' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*?## "}; {printf "%-16s %s\n", $$1, $$2}'
	@echo
	@echo "make test runs these steps in order (targets above, but the Go tests):"
	@for step in lint checkgenerate breaking $(TEST_DEPS) "go test -race -count=1 ./..." "fuzz FUZZTIME=$(TEST_FUZZTIME)" $(TEST_TARGETS); do echo "  $$step"; done

.PHONY: all
all: generate lint test ## Generate, lint and test

.PHONY: tools
tools: $(BIN)/.stamp ## Install pinned tools (buf, protoc plugins, staticcheck) into .tmp/bin

$(BIN)/.stamp: tools/go.mod tools/go.sum
	@mkdir -p $(BIN)
	cd tools && GOBIN=$(BIN) go install tool
	@touch $@

.PHONY: protodeps
protodeps: ## Copy third-party protos out of Go modules into .tmp/protodeps
	@rm -rf $(PROTODEPS)
	@mkdir -p $(PROTODEPS)/protovalidate/buf/validate $(PROTODEPS)/googleapis/google/api $(PROTODEPS)/googleapis/google/rpc
	@dir=$$(go mod download -json github.com/bufbuild/protovalidate@$(PROTOVALIDATE_VERSION) | sed -n 's/^\s*"Dir": "\(.*\)",$$/\1/p') && \
		cp $$dir/proto/protovalidate/buf/validate/validate.proto $(PROTODEPS)/protovalidate/buf/validate/
	@dir=$$(go mod download -json github.com/grpc-ecosystem/grpc-gateway@$(GOOGLEAPIS_MODULE_VERSION) | sed -n 's/^\s*"Dir": "\(.*\)",$$/\1/p') && \
		cp $$dir/third_party/googleapis/google/api/annotations.proto $$dir/third_party/googleapis/google/api/http.proto $(PROTODEPS)/googleapis/google/api/
	@wheels=$(TMP)/wheels && rm -rf $$wheels && \
		python3 -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes -r $(GOOGLE_RPC_REQUIREMENTS) -d $$wheels && \
		python3 -m zipfile -e $$wheels/googleapis_common_protos-*.whl $$wheels/unpacked && \
		cp $$wheels/unpacked/google/rpc/status.proto $$wheels/unpacked/google/rpc/error_details.proto $(PROTODEPS)/googleapis/google/rpc/
	@chmod -R u+w $(PROTODEPS)

.PHONY: generate
generate: tools protodeps ## Regenerate gen/ from proto/ (clean, then buf generate, then the descriptor set)
	rm -rf gen
	buf generate
	buf format -w proto
	@# The contract for callers in any language: our proto, every import, and
	@# google/rpc's status and error details, in one descriptor set. Source
	@# info is kept: the clients generated from it carry the proto's comments.
	buf build --as-file-descriptor-set -o gen/telegent-facade.binpb
	@$(foreach t,$(GENERATE_TARGETS),$(MAKE) $(t) &&) true

.PHONY: checkgenerate
checkgenerate: ## Regenerate and fail on any difference from what is committed
	@$(MAKE) generate
	@test -z "$$(git status --porcelain -- $(GENERATED_PATHS))" || { git status --porcelain -- $(GENERATED_PATHS); git diff --stat -- $(GENERATED_PATHS); echo "generated code is out of date: run make generate and commit" >&2; exit 1; }

.PHONY: lint
lint: tools protodeps ## buf lint, buf format check, go vet, staticcheck, gofmt
	buf lint proto
	buf format -d --exit-code proto
	go vet ./...
	staticcheck ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed" >&2; exit 1; }

.PHONY: breaking
breaking: tools protodeps ## Check proto/ for breaking changes against BREAKING_AGAINST (the last tag before HEAD, or HEAD~1)
	@rm -rf $(TMP)/against && mkdir -p $(TMP)/against/.tmp
	@against="$(BREAKING_AGAINST)"; \
	if [ -z "$$against" ]; then against=$$(git describe --tags --abbrev=0 HEAD~1 2>/dev/null || echo HEAD~1); fi; \
	if ! git rev-parse --verify -q "$$against^{commit}" >/dev/null; then \
		echo "breaking: no $$against to compare with (a clone without history?): nothing to check"; exit 0; fi; \
	echo "buf breaking against $$against"; \
	git archive "$$against" proto buf.yaml | tar -x -C $(TMP)/against
	@if [ -d $(TMP)/against/proto ]; then \
		cp -r $(PROTODEPS) $(TMP)/against/.tmp/ && \
		(cd $(TMP)/against && buf build -o $(TMP)/against.binpb) && \
		buf breaking proto --against $(TMP)/against.binpb; fi

.PHONY: test
test: lint checkgenerate breaking ## Everything CI checks: lint, checkgenerate, breaking, tests with -race, fuzzing by execution count
	@$(foreach t,$(TEST_DEPS),$(MAKE) $(t) &&) true
	go test -race -count=1 ./...
	$(MAKE) fuzz FUZZTIME=$(TEST_FUZZTIME)
	@$(foreach t,$(TEST_TARGETS),$(MAKE) $(t) &&) true

.PHONY: dist
dist: ## Build the clients' packages into dist/ (npm tarball, Python wheel and sdist, Java jars), versioned from VERSION
	@$(foreach t,$(DIST_TARGETS),$(MAKE) $(t) &&) true

.PHONY: configdoc
configdoc: ## Rewrite README.md's flag table from the configuration's declaration (server.Config's tags)
	CONFIGDOC_UPDATE=1 go test -count=1 -run '^TestREADMEFlagTable$$' ./server

.PHONY: unit
unit: ## Every Go test but the end-to-end ones (e2e), quickly
	go test -count=1 $$(go list ./... | grep -v '/e2e$$')

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 30s; or an execution count such as 500x)
	@for pkg in $$(go list ./...); do \
		for target in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$target"; \
			go test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

.PHONY: bench
bench: ## The benchmark suite: Go benchmarks of each stage, then the load benchmark (BENCHMARKS.md)
	@$(MAKE) bench-micro
	@$(MAKE) bench-load

.PHONY: bench-micro
bench-micro: ## Go benchmarks of the request path, -benchmem, benchstat-friendly (BENCH, BENCHTIME, BENCH_COUNT)
	go test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -count $(BENCH_COUNT) -benchmem $(BENCH_PKGS)

.PHONY: bench-load
bench-load: ## Direct, plain hop, facade gRPC, the grpc-gateway peer and facade REST side by side (BENCH_DURATION, BENCH_CONCURRENCY, BENCH_ROUNDS, BENCH_BASELINE)
	$(LOADBENCH) -duration $(BENCH_DURATION) -c1-duration $(BENCH_C1_DURATION) -rounds $(BENCH_ROUNDS) $(if $(BENCH_BASELINE),-baseline $(BENCH_BASELINE)) $(if $(BENCH_BASELINE_PGO),-baseline-pgo $(BENCH_BASELINE_PGO)) $(if $(BENCH_PGO),-pgo $(BENCH_PGO))

.PHONY: bench-profile
bench-profile: ## CPU and allocation profiles of the plain hop and the facade under load, into PROFILE_DIR
	$(LOADBENCH) -duration 2s -c1-duration 1s -rounds 1 -first-requests 0 -profile $(PROFILE_DIR)

.PHONY: build
build: ## Build both binaries into .tmp/bin
	go build -o $(BIN)/ ./cmd/...

# Profile-guided builds: make pgo writes cmd/telegent-facade/default.pgo, a
# CPU profile of the facade under the load benchmark (gRPC and REST calls,
# merged). Where it exists, go build's default -pgo=auto uses it for make build,
# make build-static and so make image. It is not committed: three A/B runs
# (make bench-load BENCH_BASELINE=HEAD BENCH_BASELINE_PGO=off) found the
# profile-guided facade using 2 to 7 % more CPU per call (BENCHMARKS.md).
PGO_PROFILE_DIR ?= $(TMP)/pgo
PGO_PROFILE_TIME ?= 20s

.PHONY: pgo
pgo: ## Write cmd/telegent-facade/default.pgo from CPU profiles of the facade under load (gRPC and REST), for a profile-guided build
	$(LOADBENCH) -duration 2s -c1-duration 1s -rounds 1 -first-requests 0 -peer=false -profile $(PGO_PROFILE_DIR) -profile-time $(PGO_PROFILE_TIME)
	go tool pprof -proto $(PGO_PROFILE_DIR)/facade-grpc.cpu.pprof $(PGO_PROFILE_DIR)/facade-rest.cpu.pprof > cmd/telegent-facade/default.pgo.new
	mv cmd/telegent-facade/default.pgo.new cmd/telegent-facade/default.pgo

.PHONY: run
run: ## Run the service on the embedded simulator (no Telegent account needed)
	go run ./cmd/telegent-facade --dev

.PHONY: clean
clean: ## Remove .tmp (tools, third-party protos)
	rm -rf $(TMP)
