# The Klonopin (clonazepam) e-book.
#
#   make book   build the HTML site, the EPUB and the three PDFs into build/
#   make test   build the book and check it the way its readers use it
#   make test-fast  the fast layer alone (no build of the book; under 30 s)
#   make check  lint the reST (sphinx-lint) and the Python (ruff)
#
# SPHINXOPTS reaches every Sphinx run, as in Sphinx's own Makefile:
#   make html SPHINXOPTS=-v
#
# Both set up what they need first: a virtual environment (.venv) with the
# pinned tools, and the system packages (FreeFont, Java, ...), which are
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
	@echo "  make book       build HTML, EPUB and the PDFs, check them, publish into build/"
	@echo "  make test       make book, then run the tests on the outputs (pytest)"
	@echo "  make test-fast  the fast tests alone: sources, data, each extension on a tiny root (no book build)"
	@echo "  make check      lint the reST (sphinx-lint) and the Python (ruff)"
	@echo "  make html       HTML only, for authors, into _build/html/ (incremental)"
	@echo "  make epub       EPUB only, checked with EPUBCheck, into _build/epub/"
	@echo "  make pdf        the three PDF editions only, into _build/pdf/"
	@echo "  make serve      live preview at http://127.0.0.1:$(PORT)/ (sphinx-autobuild)"
	@echo "  make readability  reading-grade report per chapter"
	@echo "  make bench      run the build benchmark (benchmarks/results.json)"
	@echo "  make bench-tests  time make test, pytest on a built tree and make test-fast (results.json)"
	@echo "  make venv       create .venv with the pinned Python tools"
	@echo "  make sysdeps    check or install the system packages"
	@echo "  make lock       regenerate requirements.lock from pyproject.toml"
	@echo "  make cover      redraw source/_generated/cover.png (every build does)"
	@echo "  make clean      remove build outputs (keeps .venv)"
	@echo "SPHINXOPTS=...    extra options for every Sphinx run (e.g. SPHINXOPTS=-v)"

# -- Set-up -------------------------------------------------------------------

$(VENVDIR)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11, 2))' 2>/dev/null || \
	  { echo "make: Python 3.11.2 or newer is needed as $(PYTHON) (found: $$($(PYTHON) --version 2>&1)): install it (Debian 12 and 13 have it: sudo apt-get install python3 python3-venv) or run make PYTHON=/path/to/python3.11"; exit 1; }
	@$(PYTHON) -m venv $(VENVDIR) || { echo "Cannot create a virtual environment: sudo apt-get install python3-venv"; exit 1; }
	$(VENVPY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $@

.PHONY: venv
venv: $(VENVDIR)/.installed

.PHONY: sysdeps sysdeps-test
sysdeps:
	@tools/sysdeps.sh build
sysdeps-test:
	@tools/sysdeps.sh test

# pip-compile --generate-hashes, in a throwaway venv (tools/lock.py): the one way to regenerate the lock.
.PHONY: lock
lock:
	$(PYTHON) tools/lock.py

# -- Building -------------------------------------------------------------------

.PHONY: book
BUILD := $(VENVPY) tools/build.py
SPHINXFLAGS = --sphinxopts="$(SPHINXOPTS)"

book: venv sysdeps
	$(BUILD) book $(SPHINXFLAGS)

.PHONY: html epub pdf
html: venv
	$(BUILD) html $(SPHINXFLAGS)
epub: venv sysdeps
	$(BUILD) epub $(SPHINXFLAGS)
pdf: venv sysdeps
	$(BUILD) pdf $(SPHINXFLAGS)

.PHONY: serve
serve: venv
	$(VENVDIR)/bin/sphinx-autobuild -c . -d _build/doctrees/serve -W -n --keep-going $(SPHINXOPTS) --port $(PORT) --host 127.0.0.1 \
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

.PHONY: test test-fast
# pytest exits 5 when it collected no tests: said here, where its exit code is seen
# (make itself then exits 2, whatever pytest's code was).
# The three layers (README, "Tests"): `make test-fast` runs the first alone; `make test`
# builds the book once, then runs all three, the 25 slowest tests listed at the end.
# Both run on every core (pytest-xdist: one worker a core; each checker's tests on one
# worker, conftest.py).  PYTEST_ARGS="-n 0" runs them in one process.
PYTEST_PARALLEL = -n auto --dist loadgroup
PYTEST_RUN = status=$$?; \
	  if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests: that is a failure" >&2; fi; \
	  exit $$status
test: venv sysdeps-test node_modules/.installed
	$(BUILD) book $(SPHINXFLAGS)
	@$(VENVPY) -m pytest $(PYTEST_PARALLEL) --durations=25 $(PYTEST_ARGS); $(PYTEST_RUN)

test-fast: venv
	@$(VENVPY) -m pytest $(PYTEST_PARALLEL) -m "not slow" $(PYTEST_ARGS); $(PYTEST_RUN)

# The linters, at the versions of requirements.lock; their settings are in pyproject.toml.
.PHONY: check
check: venv
	$(VENVDIR)/bin/sphinx-lint --max-line-length=-1 source
	$(VENVDIR)/bin/ruff check conf.py tools tests benchmarks

.PHONY: readability
readability: venv
	$(VENVPY) tools/readability.py

.PHONY: bench bench-tests
bench: venv sysdeps-test
	$(VENVPY) benchmarks/bench.py
# The test rows alone (make test from a fresh copy, pytest on that built tree, make test-fast),
# written into benchmarks/results.json beside the build figures.
bench-tests: venv sysdeps-test node_modules/.installed
	$(VENVPY) benchmarks/bench.py --tests-only --repeat 1

.PHONY: clean
clean:
	rm -rf build build.new build.old build.lock _build _build.lock
