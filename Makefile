# Two commands do everything on a fresh Debian machine:
#   make demo   install what is missing, then trace the seed case and build the teaching site
#   make test   install what is missing (browser and checkers too), then run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test check-fast docs system-deps system-deps-test clean

# the API reference: the package, its modules and its subpackages, from the docstrings (pdoc);
# a pdoc warning stops the build
DOCS_OUT    ?= build/api
API_MODULES := vcfgraph $(shell ls vcfgraph/*.py vcfgraph/*/__init__.py | grep -v '__main__\|^vcfgraph/__init__' | sed 's|/__init__\.py$$||; s|\.py$$||; s|/|.|g' | sort)

demo: system-deps $(STAMP)
	$(BIN)/vcfgraph trace cases/seed-incidental-t12.yaml
	$(BIN)/vcfgraph site -o renders

test: system-deps-test $(STAMP)
	$(BIN)/python -m pytest -n auto --durations=25

# the loop while developing: every test not marked browser, subprocess or slow (markers in
# pyproject.toml), on every core; it needs neither Graphviz nor Chromium
FAST_TESTS := not browser and not subprocess and not slow
check-fast: $(STAMP)
	$(BIN)/python -m pytest -m "$(FAST_TESTS)" -n auto -q

docs: $(STAMP)
	rm -rf $(DOCS_OUT)
	$(BIN)/python -W error::UserWarning -m pdoc $(API_MODULES) -o $(DOCS_OUT)

system-deps:
	@.ci/install-system-deps

system-deps-test:
	@.ci/install-system-deps --test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dask,raster]'
	@touch $@

clean:
	rm -rf $(VENV) .tools .pytest_cache build *.egg-info
