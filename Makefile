# FIT-MI Logistics — the project's commands. The README uses exactly these.
VENV    ?= .venv
PY      := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app wsgi
STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.package-lock.json
HOST    ?= 127.0.0.1
PORT    ?= 5000

.PHONY: setup run serve demo test test-sqlite test-postgresql browser system-deps translations messages lint bench screenshots

setup: $(STAMP) translations $(NODE_STAMP)

# axe-core for the accessibility browser test, pinned by package-lock.json (node_modules is git-ignored).
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: install Node.js and npm (the accessibility test needs axe-core)"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

translations: $(STAMP)
	$(VENV)/bin/pybabel compile -f -d app/translations

# Refresh the message template (Babel skips folders starting with «_» by default: templates/_macros is wanted).
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs='.* node_modules __pycache__ screenshots' \
	  -o app/translations/messages.pot .

# Headless Chromium for the browser tests, from Debian (Playwright's own download cannot work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Install Chromium: sudo apt-get install chromium (browser tests are skipped without it)"; fi; }

# Debian libraries WeasyPrint needs for the PDF route sheets (Pango, HarfBuzz subsetting), plus Chromium.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
system-deps: browser
	@ldconfig -p | grep -q libpangoft2-1.0.so.0 && ldconfig -p | grep -q libharfbuzz-subset.so.0 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_LIBS); \
	  else echo "Install the PDF libraries: sudo apt-get install $(PDF_LIBS)"; fi; }

run: setup
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production-style serving on this machine: gunicorn (gunicorn.conf.py) plus the planning worker as its own
# process, both on Redis. Set DATABASE_URL (PostgreSQL), SECRET_KEY and FITMI_ENV=production for the real thing;
# deploy/ has systemd units that run the same two commands.
serve: export REDIS_URL ?= redis://127.0.0.1:6379/0
serve: export ROUNDS_WORKER = external
serve: setup
	$(FLASK) db upgrade
	$(FLASK) rounds worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

demo: setup
	$(FLASK) demo
	$(FLASK) run --host $(HOST) --port $(PORT)

# The whole suite on SQLite, then the database-backed tests again on PostgreSQL.
test: setup system-deps test-sqlite test-postgresql

test-sqlite: setup
	FITMI_TEST_DB=sqlite $(PY) -m pytest tests

test-postgresql: setup
	FITMI_TEST_DB=postgresql $(PY) -m pytest tests/app

# PNGs of the ~20 main pages at desktop and phone size, on a fresh demo database, into screenshots/.
screenshots: setup browser
	$(PY) -m tools.screenshots

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: setup
	$(PY) -m pip install --quiet -r requirements-bench.txt
	$(PY) benchmarks/bench_matrix.py
	$(PY) benchmarks/bench_solver.py
	$(PY) benchmarks/bench_milan_scenario.py
	$(PY) benchmarks/bench_bin_list.py
	$(PY) benchmarks/bench_pickups_load.py --db postgresql  # needs PostgreSQL and Redis (127.0.0.1)
