# Two commands do all set-up on a fresh machine:
#   make demo   the main job on embedded default data
#   make test   the whole test suite (installs LibreOffice and Gnumeric, the formula oracles, when
#               missing, and the Node packages of package-lock.json: Pyodide, the Python of xlwings Lite)
#   both install pango and DejaVu fonts for WeasyPrint, which renders the PDF reports (`make pdf`)
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed
NODE_STAMP = node_modules/.installed

.PHONY: demo test venv pdf libreoffice gnumeric node bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# apt_install(packages, test): install the Debian packages unless the shell test passes.
define apt_install
	@if $(2); then echo "present: $(1)"; else \
	  echo "Installing Debian packages $(1)..."; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(1) >/dev/null; \
	fi
endef

# WeasyPrint renders the publication and the feedback sheets to PDF: it needs pango (text
# layout, with harfbuzz and fontconfig) and fonts with Polish letters (DejaVu); pdftotext
# (poppler-utils) reads the PDFs back in the tests.
pdf:
	$(call apt_install,libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core poppler-utils,ldconfig -p | grep -q libpangoft2-1.0 && ldconfig -p | grep -q libharfbuzz-subset && fc-list 2>/dev/null | grep -qi "DejaVu Sans" && command -v pdftotext >/dev/null 2>&1)

# LibreOffice headless is the spreadsheet oracle of the tests and renders the docs' images.
libreoffice:
	$(call apt_install,libreoffice-calc poppler-utils,command -v soffice >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1)

# Gnumeric (ssconvert --recalc) is the third spreadsheet engine of the parity tests; Carlito
# (Calibri's metrics) makes LibreOffice lay out and print the forms as Excel does.
gnumeric:
	$(call apt_install,gnumeric fonts-crosextra-carlito,command -v ssconvert >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi carlito)

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

demo: venv pdf
	$(VENV)/bin/xl-afbp demo

test: venv pdf libreoffice gnumeric node
	$(PY) -m pytest -q

bench: venv
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules build/* .pytest_cache
	touch build/.gitkeep
