# unitrack: build, run and test the collector distribution.
#   make build   ocb (installed here with go install) generates ./_build and builds bin/otelcol-unitrack
#   make run     builds, then runs the collector on otelcol.yaml
#   make test    builds, then runs every test (unit, golden, fuzz seeds, short fuzzing, end-to-end)
#   make bench   runs the benchmarks
SHELL        := /bin/bash
GO           ?= go
OCB_VERSION  := v0.165.0
TOOLS        := $(CURDIR)/.tools
OCB          := $(TOOLS)/builder-$(OCB_VERSION)
BIN          := $(CURDIR)/bin/otelcol-unitrack
CONFIG       ?= otelcol.yaml
FUZZTIME     ?= 30000x
TEST_TIMEOUT ?= 25m

# Everything that ends up in the binary: our packages (with embedded assets) and the module files.
SOURCES := $(shell find receiver processor exporter connector extension internal -type f -not -path '*/testdata/*' -not -name '*_test.go' 2>/dev/null) go.mod go.sum

# The OpenTelemetry JS SDK client of the end-to-end tests (e2e/jsclient), from npm.
JSCLIENT := e2e/jsclient/node_modules/.package-lock.json

.PHONY: build run test unit-test fuzz bench clean

build: $(BIN)

$(OCB):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)
	mv $(TOOLS)/builder $@

# ocb regenerates the distribution's sources only when the manifest or our module changes;
# the compile step reuses them and the Go build cache.
_build/.generated: builder-config.yaml go.mod go.sum | $(OCB)
	@mkdir -p _build
	$(OCB) --config builder-config.yaml --skip-compilation
	@touch $@

$(BIN): _build/.generated $(SOURCES)
	@mkdir -p $(dir $(BIN))
	cd _build && $(GO) build -trimpath -o $(BIN) .

$(JSCLIENT): e2e/jsclient/package.json e2e/jsclient/package-lock.json
	npm ci --prefix e2e/jsclient --no-audit --no-fund

run: $(BIN)
	@mkdir -p var/storage var/eventlog var/legacy var/notify var/blog var/dashboard
	$(BIN) --config $(CONFIG)

test: $(BIN) $(JSCLIENT)
	UNITRACK_BIN=$(BIN) $(GO) test -timeout $(TEST_TIMEOUT) ./...
	$(MAKE) --no-print-directory fuzz

unit-test:
	$(GO) test -short ./...

# Runs every fuzz target briefly (the seed corpora also run in plain `go test`).
# A count, not a duration: a short -fuzztime can end in "context deadline exceeded"
# on a loaded machine while the baseline corpus is still being gathered.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for f in $$(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)' $$dir/*_test.go 2>/dev/null | awk '{print $$2}'); do \
	    echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

bench:
	UNITRACK_BIN=$(BIN) $(GO) test -run='^$$' -bench=. -benchmem ./...

clean:
	rm -rf _build bin
