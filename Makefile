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

# apt_install(packages, test): install the Debian packages unless the shell test passes.
define apt_install
	@if $(2); then echo "present: $(1)"; else \
	  echo "Installing Debian packages $(1)..."; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(1) >/dev/null; \
	fi
endef

# LibreOffice headless is the spreadsheet oracle of the tests and renders the docs' images.
libreoffice:
	$(call apt_install,libreoffice-calc poppler-utils,command -v soffice >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1)

# Gnumeric (ssconvert --recalc) is the third spreadsheet engine of the parity tests; Carlito
# (Calibri's metrics) makes LibreOffice lay out and print the forms as Excel does.
gnumeric:
	$(call apt_install,gnumeric fonts-crosextra-carlito,command -v ssconvert >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi carlito)

demo: venv
	$(VENV)/bin/xl-afbp demo

test: venv libreoffice gnumeric
	$(PY) -m pytest -q

bench: venv
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) build/* .pytest_cache
	touch build/.gitkeep
