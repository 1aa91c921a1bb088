# The two commands of the README: `make run` and `make test`.
#
# `make run` with no DATABASE_URL is the one-command demo: the demo goes only into its own file,
# data/demo.db. With DATABASE_URL set (a real installation) nothing but the schema is made and the
# portal opens its first-run screen; `make run DEMO=1` loads the demo into DATABASE_URL explicitly,
# `make run DEMO=0` opens the default real file data/school.db.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
DEMO_URL := sqlite:///$(CURDIR)/data/demo.db

ifeq ($(strip $(DATABASE_URL)),)
ifeq ($(DEMO),0)
PORTAL_ENV := DEMO=0
else
PORTAL_ENV := DATABASE_URL=$(DEMO_URL) DEMO=1
endif
else ifeq ($(DEMO),1)
PORTAL_ENV := DEMO=1
else
PORTAL_ENV := DEMO=0
endif

.PHONY: run test setup install bench screenshots

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

setup: install
	$(PORTAL_ENV) $(PY) manage.py init-db
	$(PORTAL_ENV) $(PY) manage.py demo --if-empty

run: setup
	$(PORTAL_ENV) $(VENV)/bin/streamlit run app.py --server.headless true --browser.gatherUsageStats false --server.port $(PORT)

test: setup
	$(PY) -m pytest -q

bench: install
	$(PY) -m bench.demo

# Every page of every demo role at 1440x900 (and the diary and timetable at 390x844) into
# test-artifacts/screens/: a look at the screens before calling them done (not part of `make test`).
screenshots: setup
	SCREENSHOTS=1 $(PY) -m pytest -q tests/e2e/test_screenshots.py
