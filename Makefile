# vettingd — `make help` lists the targets.
GO ?= go

.PHONY: help build test test-deps lint bench demo fuzz
FUZZTIME ?= 1m
FUZZ_IMPORT ?= $(FUZZTIME)
FUZZ_EVENT ?= $(FUZZTIME)
FUZZ_SLACK ?= $(FUZZTIME)

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: ## Build ./vettingd
	$(GO) build -o vettingd ./cmd/vettingd

test: test-deps ## Install what the tests need, then go vet and every test with -race
	$(GO) vet ./...
	$(GO) test -race -timeout 40m ./...
	@# Counts, not durations: with go1.26 a -fuzztime duration can end in a spurious
	@# "context deadline exceeded" (go.dev/issue/75804, fixed in go1.27).
	$(MAKE) --no-print-directory fuzz FUZZ_IMPORT=50000x FUZZ_EVENT=5000x FUZZ_SLACK=50000x

fuzz: ## Fuzz the CSV importer, the API's JSON and the Slack parser for FUZZTIME each (default 1m)
	$(GO) test ./importer -run '^$$' -fuzz '^FuzzImport$$' -fuzztime $(FUZZ_IMPORT)
	$(GO) test ./server -run '^$$' -fuzz '^FuzzEventJSON$$' -fuzztime $(FUZZ_EVENT)
	$(GO) test ./notify/slack -run '^$$' -fuzz '^FuzzParseClick$$' -fuzztime $(FUZZ_SLACK)

test-deps: ## Install Debian's postgresql and chromium when missing (and we can)
	@scripts/test-deps.sh

lint: ## go vet, gofmt and (when installed) golangci-lint
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	@if command -v golangci-lint >/dev/null; then golangci-lint run; fi

bench: test-deps ## A table of national-scale figures (310,000 people) per backend, then the hot paths' Go benchmarks
	$(GO) test -run '^$$' -bench '^BenchmarkNational$$' -benchtime 1x -timeout 60m ./bench/
	$(GO) test -run '^$$' -bench '^Benchmark(ParseValidate|EvaluatePerson|Compose|Render)$$' -benchmem ./importer/ ./scheduler/ ./notify/
