# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test setup install bench screenshots

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

setup: install
	$(PY) manage.py init-db
	$(PY) manage.py demo --if-empty

run: setup
	$(VENV)/bin/streamlit run app.py --server.headless true --browser.gatherUsageStats false --server.port $(PORT)

test: setup
	$(PY) -m pytest -q

bench: install
	$(PY) -m bench.demo

# Every page of every demo role at 1440x900 (and the diary and timetable at 390x844) into
# test-artifacts/screens/: a look at the screens before calling them done (not part of `make test`).
screenshots: setup
	SCREENSHOTS=1 $(PY) -m pytest -q tests/e2e/test_screenshots.py
