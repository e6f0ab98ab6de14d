# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
EXTRAS ?= dev
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: install run test lint messages worker check-deploy docs demo-read demo-extend bench-pages

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

install: $(STAMP)

# The demo's e-seal key lives in a SoftHSM2 token under var/softhsm (see docs/signing.md).
DEMO_HSM = $(CURDIR)/var/softhsm
run worker: export SOFTHSM2_CONF = $(DEMO_HSM)/softhsm2.conf
run worker: export ESEAL_PIN_FILE = $(DEMO_HSM)/pin

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py eseal_token demo
	$(PY) manage.py load_demo
	@echo "Open http://127.0.0.1:$(PORT)/"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

worker: install
	$(VENV)/bin/celery -A legitymacje worker --beat -l info

lint: install
	$(VENV)/bin/ruff check .

messages: install
	$(PY) manage.py makemessages -l pl --ignore ".venv/*" --ignore "tests/*" --ignore "bench/*" --ignore "reader_bridge/agent/*"
	$(PY) manage.py compilemessages -l pl --ignore ".venv/*"

check-deploy: install
	DEBUG=0 SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') ALLOWED_HOSTS=cards.example.edu \
	  PESEL_ENCRYPTION_KEYS=$$($(PY) -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())') \
	  PESEL_HASH_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))') \
	  READER_JOB_KEY=$$($(PY) -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())') \
	  DATABASE_URL=sqlite:///tmp/deploy-check.sqlite3 REDIS_URL=redis://127.0.0.1:6379/0 \
	  $(PY) manage.py check --deploy --fail-level WARNING

docs: install
	$(PY) manage.py shell -c "from cards.diagram import write_into_docs; write_into_docs()"

# With `make run` serving in another terminal (same PORT): one simulated read from the
# demo reader (FILE: a card number from var/demo-els/, or expired / forged / unknown-card).
FILE ?= ELS-2025-000079
demo-read: install demo-server-url
	$(VENV)/bin/legitymacje-reader --state-dir var/demo-reader simulate --els-file var/demo-els/$(FILE).der

# With `make run` serving: extend a demo card through its chip, as the card page's
# "Przedłuż" and a card put into the reader would (the simulated chip is its file in
# var/demo-els/). CARD: a card number of the demo unit; default: one the rules let extend.
CARD ?=
demo-extend: install demo-server-url
	@set -e; armed=$$($(PY) manage.py demo_extension arm $(CARD)); set -- $$armed; \
	  $(PY) manage.py demo_extension chip $$1; \
	  $(VENV)/bin/legitymacje-reader --state-dir var/demo-reader simulate --writable \
	    --els-file $$1 --chip-serial $$2 --wait 30; \
	  $(PY) manage.py demo_extension chip $$1

.PHONY: demo-server-url
demo-server-url:
	@$(PY) -c "import json, pathlib; p = pathlib.Path('var/demo-reader/config.json'); \
	  c = json.loads(p.read_text()); c['server'] = 'http://127.0.0.1:$(PORT)'; \
	  p.write_text(json.dumps(c, indent=2))"

# The staff pages against django-helpdesk 2.6.1, interleaved, in one command
# (bench/pages/README.md): builds and seeds the peer if needed, then runs both servers.
# DATABASE_URL: our seeded database (bench/pages/seed.py); also REDIS_URL, LABEL, TICKETS
# (the peer's, as many as our cases), BENCH_ARGS (e.g. --rounds 3 --seconds 20).
LABEL ?= run
bench-pages:
	@test -x $(PY) || { echo "no $(VENV): run make install first"; exit 1; }
	@test -n "$$DATABASE_URL" || { echo "DATABASE_URL: our seeded database (bench/pages/README.md)"; exit 1; }
	bench/pages/peer/setup.sh
	$(PY) bench/pages/run.py --peer helpdesk --label $(LABEL) $(BENCH_ARGS)
