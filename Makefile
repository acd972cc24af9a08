# The two commands a newcomer needs: `make demo` and `make test`. Everything else is a building block.
SHELL := /bin/bash
# .venv's Python: the one the newest ansible-core CI tests needs (tools/matrix.py knows which), else any Python 3,
# which is enough for `make demo` and the Quick start (`make test` then says what is missing).
PYTHON ?= $(shell python3 tools/matrix.py python-for newest 2>/dev/null || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
BUILD := build
# pytest and ansible-lint import the collection through a symlinked ansible_collections tree.
COLLECTIONS := $(abspath $(BUILD)/collections)
LINK := $(COLLECTIONS)/ansible_collections/opsfleet/engine_upgrade
# awx.awx for the AWX example's tests and lint, taken from the `ansible` package of PyPI (Galaxy cannot be reached
# here; the ansible 13+ packages no longer carry it).
AWX_COLLECTION := $(COLLECTIONS)/ansible_collections/awx/awx
AWX_PACKAGE := ansible==12.3.0
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider -p no:pytest_ansible
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PYTHONPATH := $(COLLECTIONS)
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help demo test bench bench-rehearsal chaos venv test-venv tree awx-collection sanity units integration matrix lint docs-lint changelog-lint build ee galaxy-importer clean

help:
	@echo "make demo   - start the API simulator and run the demo against it"
	@echo "make test   - everything CI checks: sanity, unit, integration, lint, and every claimed ansible-core (matrix)"
	@echo "make matrix - the ansible-core versions other than the newest: matrix tests + sanity (MATRIX_VERSIONS=2.16,2.17)"
	@echo "make build  - the collection tarball in build/dist/;  make ee - an execution environment's build context, checked"
	@echo "make bench  - speed and API economy against the simulator: tables + build/bench/bench.json (BENCH_QUICK=1: short run)"
	@echo "make chaos  - a 100-instance fleet upgrade under injected faults, twice, with checks: build/chaos/chaos.json"
	@echo "make bench-rehearsal - a 1,000-instance fleet recorded and rehearsed: build/bench/rehearsal.json (REHEARSAL_INSTANCES=N)"

# Two stamps: .runtime for what the demo and the Quick start need (ansible-core, requests), .installed for the
# test tools on top. A venv with the test tools has the runtime too.
$(BIN)/.runtime: demo/requirements.txt requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -U pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -r demo/requirements.txt
	touch $@

$(BIN)/.installed: tests/requirements.txt demo/requirements.txt requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -U pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -r tests/requirements.txt
	touch $(BIN)/.runtime $(BIN)/.ee-tools $@

# make ee's one extra tool (the test tools have it too).
$(BIN)/.ee-tools: $(BIN)/.runtime
	$(BIN)/python -m pip install -q --disable-pip-version-check "ansible-builder>=3,<4"
	touch $@

venv: $(BIN)/.runtime

test-venv: $(BIN)/.installed
	$(BIN)/python tools/matrix.py check-venv $(VENV)

$(AWX_COLLECTION)/MANIFEST.json: | test-venv tree
	rm -rf $(BUILD)/awx-download $(AWX_COLLECTION) && mkdir -p $(BUILD)/awx-download $(dir $(AWX_COLLECTION))
	$(BIN)/python -m pip download -q --disable-pip-version-check --no-deps -d $(BUILD)/awx-download $(AWX_PACKAGE)
	$(BIN)/python -c 'import sys, zipfile; archive = zipfile.ZipFile(sys.argv[1]); \
		archive.extractall(sys.argv[2], [n for n in archive.namelist() if n.startswith("ansible_collections/awx/awx/")])' \
		$(BUILD)/awx-download/ansible-*.whl $(BUILD)/awx-extract
	mv $(BUILD)/awx-extract/ansible_collections/awx/awx $(AWX_COLLECTION) && rm -rf $(BUILD)/awx-extract $(BUILD)/awx-download

awx-collection: $(AWX_COLLECTION)/MANIFEST.json

tree:
	@mkdir -p $(dir $(LINK))
	@ln -sfn $(CURDIR) $(LINK)

demo: build tree
	$(BIN)/python demo/run_demo.py

# The whole suite on the newest ansible-core (.venv), then every other claimed version (matrix).
test: sanity units integration lint docs-lint changelog-lint galaxy-importer matrix

# Not part of `make test` (minutes, not seconds); tests/integration/fleet/test_bench_chaos_smoke.py runs a short version.
bench: test-venv tree
	$(BIN)/python -m benchmarks.bench $(if $(filter-out 0,$(BENCH_QUICK)),--quick)

# Not part of `make test` either (about 35 minutes on two cores for 1,000 instances).
bench-rehearsal: test-venv tree
	$(BIN)/python -m benchmarks.rehearsal --instances $(or $(REHEARSAL_INSTANCES),1000)

chaos: test-venv tree
	$(BIN)/python -m benchmarks.chaos $(if $(filter-out 0,$(CHAOS_QUICK)),--quick)

units: test-venv tree
	$(PYTEST) tests/unit -q

integration: test-venv tree awx-collection
	$(PYTEST) -n 2 tests/integration -q

# Every other claimed ansible-core version: its own venv, the tests marked `matrix`, its ansible-test sanity.
matrix: test-venv tree
	$(BIN)/python tools/matrix.py run $(if $(MATRIX_VERSIONS),--versions $(MATRIX_VERSIONS))

lint: test-venv tree awx-collection
	$(BIN)/ansible-lint --offline --profile production

# antsibull-docs 2.28 lints from a copy of the collection in a random temporary folder; once in a few dozen runs every
# plugin fails with 'Unknown target name: "antsibull-docs-<random>"' (seen once in CI here, never reproduced). Such a
# run, and only such a run, is repeated once; any other finding fails at once.
docs-lint: test-venv tree
	@out=$$($(BIN)/antsibull-docs lint-collection-docs --plugin-docs . 2>&1); rc=$$?; printf '%s\n' "$$out"; \
	if [ $$rc -ne 0 ] && printf '%s\n' "$$out" | grep -q 'Unknown target name: "antsibull-docs-' \
		&& ! printf '%s\n' "$$out" | grep -v 'Unknown target name: "antsibull-docs-' | grep -q ':[0-9]*:[0-9]*: '; then \
		echo "docs-lint: only the random temporary-folder finding; linting once more"; \
		$(BIN)/antsibull-docs lint-collection-docs --plugin-docs .; \
	else exit $$rc; fi

changelog-lint: test-venv
	$(BIN)/antsibull-changelog lint

# ansible-test refuses symlinks: tools/matrix.py copies the git-tracked files into build/sanity (as it does for each
# version of the matrix) and installs the offline get-pip stand-in from .ci/.
sanity: test-venv
	$(BIN)/python tools/matrix.py sanity $(SANITY_ARGS)

# The one place the tarball is built: make demo, the README and make ee install this file.
build: venv
	rm -rf $(BUILD)/dist && mkdir -p $(BUILD)/dist && $(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist

# An execution environment's build context (build/ee), checked: the tarball in it is the one just built.
ee: build $(BIN)/.ee-tools
	$(BIN)/python tools/ee.py create --dist $(BUILD)/dist --context $(BUILD)/ee

# The checks Galaxy runs on upload, on the tarball users install.
galaxy-importer: test-venv build
	cd $(BUILD) && $(abspath $(BIN))/python -m galaxy_importer.main $(abspath $(BUILD))/dist/opsfleet-engine_upgrade-*.tar.gz \
		| tee importer.log && grep -q "Importer processing completed successfully" importer.log \
		&& ! grep -qE "^(ERROR|WARNING)" importer.log

clean:
	rm -rf $(BUILD) tests/output
