# nb2prod developer commands. `make demo` and `make test` set up everything they need.
SHELL := /bin/bash
VENV ?= .venv
PYTHON := $(VENV)/bin/python
UV := $(VENV)/bin/uv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LABEXT_STAMP := nb2prod/labextension/package.json

.PHONY: setup labextension demo test test-fast wheel-check bench clean docs

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	test -x $(UV) || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	# Bytecode as pip would write it: without it every `nb2prod` process recompiles its imports.
	SKIP_JUPYTER_BUILDER=1 $(UV) pip install --quiet --compile-bytecode --python $(PYTHON) -e ".[test]"
	$(PYTHON) -m compileall -q nb2prod >/dev/null
	$(PYTHON) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# The JupyterLab extension, built with the venv's jlpm and linked for development.
labextension: $(LABEXT_STAMP)

$(LABEXT_STAMP): $(STAMP) $(shell find labextension/src labextension/style labextension/schema -type f 2>/dev/null) labextension/package.json
	cd labextension && PATH=$(abspath $(BIN)):$$PATH jlpm install && PATH=$(abspath $(BIN)):$$PATH jlpm build:prod
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/jupyter labextension develop --overwrite . >/dev/null
	# An editable install does not copy shared data: put the server config where a wheel would.
	install -D -m 644 jupyter-config/server-config/nb2prod.json $(VENV)/etc/jupyter/jupyter_server_config.d/nb2prod.json
	$(BIN)/jupyter server extension enable nb2prod --sys-prefix >/dev/null
	touch $(LABEXT_STAMP)

demo: setup
	@echo "== nb2prod lint fixtures/demo =="
	@$(BIN)/nb2prod lint fixtures/demo || true
	@echo
	@echo "== nb2prod lint --statistics fixtures/rules (every rule's fixtures) =="
	@$(BIN)/nb2prod lint --statistics fixtures/rules || true

test: setup labextension
	$(BIN)/lint-imports
	$(BIN)/ruff check nb2prod tests benchmarks
	$(BIN)/ruff format --check nb2prod
	$(BIN)/mypy nb2prod
	cd labextension && PATH=$(abspath $(BIN)):$$PATH jlpm test
	# The server tests run in their own process: Playwright's sync API and nbclient leave asyncio state
	# behind that pytest-jupyter's in-process server cannot share.
	$(BIN)/pytest -q --ignore=tests/server
	$(BIN)/pytest -q tests/server
	$(MAKE) wheel-check

# The wheel must carry the prebuilt JupyterLab extension and the server config.
wheel-check: setup labextension
	rm -rf dist
	$(UV) build --wheel --quiet --out-dir dist .
	$(PYTHON) -c "import sys, zipfile, glob; names = zipfile.ZipFile(glob.glob('dist/*.whl')[0]).namelist(); \
	  need = ['share/jupyter/labextensions/nb2prod/package.json', 'etc/jupyter/jupyter_server_config.d/nb2prod.json']; \
	  missing = [n for n in need if not any(x.endswith(n) for x in names)]; \
	  remote = [x for x in names if '/labextensions/nb2prod/static/remoteEntry.' in x]; \
	  sys.exit(f'wheel lacks {missing or \"remoteEntry.*.js\"}') if missing or not remote else print(f'wheel ok: {len(names)} files, {remote[0].rsplit(\"/\", 1)[1]}')"

test-fast: setup
	$(BIN)/pytest -q -m "not browser and not kernel and not slow" --ignore=tests/server
	$(BIN)/pytest -q -m "not browser and not kernel and not slow" tests/server

bench: setup
	$(PYTHON) benchmarks/bench_lint.py

docs: setup
	$(PYTHON) docs/generate_rule_docs.py

clean:
	rm -rf $(VENV) labextension/node_modules labextension/lib nb2prod/labextension .pytest_cache
