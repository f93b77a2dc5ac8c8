# unitrack: build, run and test the collector distribution.
#   make build   ocb (installed here with go install) generates ./_build and builds bin/otelcol-unitrack
#   make run     builds, then runs the collector on otelcol.yaml
#   make test    builds, then runs every test (unit, golden, fuzz seeds, short fuzzing, end-to-end,
#                the Python client's tests on the built binary)
#   make bench   runs the benchmarks
#   make routes  builds bin/unitrack-routes, the routing table's dry run
#   make generate  writes every component's internal/metadata from its metadata.yaml (cmd/metagen)
SHELL        := /bin/bash
GO           ?= go
OCB_VERSION  := v0.165.0
TOOLS        := $(CURDIR)/.tools
OCB          := $(TOOLS)/builder-$(OCB_VERSION)
BIN          := $(CURDIR)/bin/otelcol-unitrack
ROUTES_BIN   := $(CURDIR)/bin/unitrack-routes
CONFIG       ?= otelcol.yaml
FUZZTIME     ?= 30000x
PYTHON       ?= python3
TEST_TIMEOUT ?= 25m

# Everything that ends up in the binary: our packages (with embedded assets) and the module files.
SOURCES := $(shell find receiver processor exporter extension connector internal cmd -type f -not -path '*/testdata/*' -not -name '*_test.go' 2>/dev/null) go.mod go.sum

# The OpenTelemetry JS SDK client of the end-to-end tests (e2e/jsclient), from npm.
JSCLIENT := e2e/jsclient/node_modules/.package-lock.json

.PHONY: generate build routes run test unit-test python-test fuzz bench screenshots clean

build: $(BIN) $(ROUTES_BIN)

# The metadata packages are generated (TestGeneratedFilesAreCurrent checks them).
generate:
	$(GO) run ./cmd/metagen

routes: $(ROUTES_BIN)

# The dry run: bin/unitrack-routes test --config otelcol.yaml EVENT.json
$(ROUTES_BIN): $(SOURCES)
	@mkdir -p $(dir $(ROUTES_BIN))
	$(GO) build -trimpath -o $(ROUTES_BIN) ./cmd/unitrack-routes

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
	$(MAKE) --no-print-directory python-test
	$(MAKE) --no-print-directory fuzz

# The stdlib-only Python client (clients/python) against the built binary; the package
# is taken from its source tree (PYTHONPATH), so neither pip nor setuptools is needed.
python-test: $(BIN)
	UNITRACK_BIN=$(BIN) PYTHONPATH=$(CURDIR)/clients/python/src $(PYTHON) -m unittest discover -s clients/python/tests -v

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

bench: $(BIN)
	UNITRACK_BIN=$(BIN) $(GO) test -run='^$$' -bench=. -benchmem ./...
	UNITRACK_BIN=$(BIN) PYTHONPATH=$(CURDIR)/clients/python/src $(PYTHON) clients/python/bench.py

# The README's screenshots of the dashboard, taken by its chromium tests from
# the real page.
screenshots:
	CI=true TEST_ARTIFACTS=$(CURDIR)/exporter/dashboardexporter/docs $(GO) test -count=1 \
	  -run '^TestBrowser(Dashboard|SharedView|Analytics|IncidentTitles)$$' ./exporter/dashboardexporter/

clean:
	rm -rf _build bin
