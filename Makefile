# Two commands do all set-up on a fresh machine:
#   make demo   the main job on embedded default data
#   make test   the whole test suite (installs LibreOffice, the formula oracle, when missing,
#               and the Node packages of package-lock.json: Pyodide, the Python of xlwings Lite)
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed
NODE_STAMP = node_modules/.installed

.PHONY: demo test venv libreoffice node bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# LibreOffice headless is the spreadsheet oracle of the tests and renders the docs' images.
libreoffice:
	@if command -v soffice >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then \
	  echo "LibreOffice: $$(command -v soffice)"; \
	else \
	  echo "Installing LibreOffice (Debian packages libreoffice-calc, poppler-utils)..."; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    libreoffice-calc poppler-utils >/dev/null; \
	fi

# Pyodide under Node runs the written xlwings Lite files (tests/test_udfs_runtimes.py). npm ci
# installs exactly package-lock.json into node_modules/ (git-ignored); Node comes from apt if missing.
node: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "Installing Node.js (Debian packages nodejs, npm)..."; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; \
	fi
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

demo: venv
	$(VENV)/bin/xl-afbp demo

test: venv libreoffice node
	$(PY) -m pytest -q

bench: venv
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules build/* .pytest_cache
	touch build/.gitkeep
