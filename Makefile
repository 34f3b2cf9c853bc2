# Two commands do all set-up on a fresh machine:
#   make demo   the main job on embedded default data
#   make test   the whole test suite (installs LibreOffice and Gnumeric, the formula oracles, when missing)
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

.PHONY: demo test venv libreoffice gnumeric bench clean

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

# Gnumeric (ssconvert --recalc) is the third spreadsheet engine of the parity tests; Carlito
# (Calibri's metrics) makes LibreOffice lay out and print the forms as Excel does.
gnumeric:
	@if command -v ssconvert >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi carlito; then \
	  echo "Gnumeric: $$(command -v ssconvert)"; \
	else \
	  echo "Installing Gnumeric and the Carlito font (Debian packages gnumeric, fonts-crosextra-carlito)..."; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    gnumeric fonts-crosextra-carlito >/dev/null; \
	fi

demo: venv
	$(VENV)/bin/xl-afbp demo

test: venv libreoffice gnumeric
	$(PY) -m pytest -q

bench: venv
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) build/* .pytest_cache
	touch build/.gitkeep
