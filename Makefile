# Developer and CI entry points.  `make test` works on a fresh clone: it builds
# .venv on first use and reinstalls only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed

ARGS ?=
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: venv run test bench clean

venv: $(STAMP)

$(VENV_PYTHON):
	$(PYTHON) -m venv $(VENV)

# The stamp is newer than pyproject.toml once the install succeeded; a failed
# install leaves no stamp, so the next run tries again.
$(STAMP): pyproject.toml | $(VENV_PYTHON)
	$(VENV_PYTHON) -m pip install --upgrade pip
	$(VENV_PYTHON) -m pip install -e '.[test]'
	touch $@

run: venv
	$(VENV_PYTHON) main.py $(ARGS)

test: venv
	QT_QPA_PLATFORM=offscreen $(VENV_PYTHON) -m pytest $(PYTEST_ARGS)

bench: venv
	$(VENV_PYTHON) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
