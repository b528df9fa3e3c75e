# The book's two commands: `make book` and `make test` (see README.md). Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NBVAL  := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
JOBS   ?= 2
export OMP_NUM_THREADS=1
export MKL_NUM_THREADS=1
export OPENBLAS_NUM_THREADS=1

.PHONY: book test venv chapters seeds status site clean

venv: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## book: set up, execute the chapters whose inputs changed, regenerate the pages, build the site
book: chapters status site

chapters: venv
	$(PY) -m repro run --all --changed

## seeds: renew the seed records (seeds 0, 1 and 2) of chapters whose record is missing or stale
seeds: venv
	$(PY) -m repro seeds --all --changed

status: venv
	$(PY) -m repro status

site: venv
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

## test: unit tests, nbval over every executed chapter (in parallel), stale-output and build tests
test: venv
	REPRO_QUIET=1 $(PY) -m pytest -n $(JOBS) --dist loadfile tests book $(NBVAL)

clean:
	rm -rf _build
