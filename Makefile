# The Klonopin (clonazepam) e-book.
#
#   make book   build the HTML site, the EPUB and the PDF into build/
#   make test   build the book and check it the way its readers use it
#
# Both set up what they need first: a virtual environment (.venv) with the
# pinned tools, and the system packages (TeX, FreeFont, Java, ...), which are
# installed with one apt-get call where allowed, or named with the command
# that installs them.  `make help` lists every target.

PYTHON      ?= python3
VENVDIR     ?= .venv
VENVPY      := $(VENVDIR)/bin/python
PYTEST_ARGS ?=
SPHINXOPTS  ?=
PORT        ?= 8000

.DEFAULT_GOAL := help

.PHONY: help
help:
	@echo "Targets:"
	@echo "  make book       build HTML, EPUB and PDF, check them, publish into build/"
	@echo "  make test       make book, then run the tests on the outputs (pytest)"
	@echo "  make html       HTML only, for authors, into _build/html/ (incremental)"
	@echo "  make epub       EPUB only, checked with EPUBCheck, into _build/epub/"
	@echo "  make pdf        PDF only, into _build/latex/"
	@echo "  make serve      live preview at http://127.0.0.1:$(PORT)/ (sphinx-autobuild)"
	@echo "  make readability  reading-grade report per chapter"
	@echo "  make bench      run the build benchmark (benchmarks/results.json)"
	@echo "  make venv       create .venv with the pinned Python tools"
	@echo "  make sysdeps    check or install the system packages"
	@echo "  make lock       regenerate requirements.lock from pyproject.toml"
	@echo "  make cover      redraw source/_static/cover.png"
	@echo "  make clean      remove build outputs (keeps .venv)"

# -- Set-up -------------------------------------------------------------------

$(VENVDIR)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	@$(PYTHON) -m venv $(VENVDIR) || { echo "Cannot create a virtual environment: sudo apt-get install python3-venv"; exit 1; }
	$(VENVPY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

.PHONY: venv
venv: $(VENVDIR)/.installed

.PHONY: sysdeps sysdeps-test
sysdeps:
	@tools/sysdeps.sh build
sysdeps-test:
	@tools/sysdeps.sh test

.PHONY: lock
lock: venv
	$(VENVPY) tools/lock.py > requirements.lock

# -- Building -------------------------------------------------------------------

.PHONY: book
book: venv sysdeps
	$(VENVPY) tools/build.py book

.PHONY: html epub pdf
html: venv
	$(VENVPY) tools/build.py html
epub: venv sysdeps
	$(VENVPY) tools/build.py epub
pdf: venv sysdeps
	$(VENVPY) tools/build.py pdf

.PHONY: serve
serve: venv
	$(VENVDIR)/bin/sphinx-autobuild -c . -d _build/doctrees/serve -W -n --keep-going --port $(PORT) --host 127.0.0.1 \
	  --watch tools --watch conf.py source _build/serve

.PHONY: cover
cover: venv
	$(VENVPY) tools/make_cover.py

# -- Checking -------------------------------------------------------------------

# The checkers that run on Node (Ace by DAISY, axe-core), at the exact versions
# of package-lock.json.  --ignore-scripts and PUPPETEER_SKIP_DOWNLOAD: no
# install step downloads a browser; Ace and the tests drive Debian's chromium.
node_modules/.installed: package.json package-lock.json | sysdeps-test
	PUPPETEER_SKIP_DOWNLOAD=1 ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

.PHONY: test
test: venv sysdeps-test node_modules/.installed
	$(VENVPY) tools/build.py book
	$(VENVPY) -m pytest $(PYTEST_ARGS)

.PHONY: readability
readability: venv
	$(VENVPY) tools/readability.py

.PHONY: bench
bench: venv sysdeps-test
	$(VENVPY) benchmarks/bench.py

.PHONY: clean
clean:
	rm -rf build build.old _build
