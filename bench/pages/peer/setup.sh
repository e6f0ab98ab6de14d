#!/bin/sh
# The peer of the staff-page benchmark: django-helpdesk 2.6.1 in its own virtualenv outside
# the repository, its own PostgreSQL database, seeded with as many tickets as our cases.
#
#   bench/pages/peer/setup.sh            # PEER_VENV=/work/peer/.venv, 100,000 tickets
#   TICKETS=200000 bench/pages/peer/setup.sh
#
# Environment: PEER_VENV (the virtualenv), PEER_DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/helpdesk_bench; created if missing), TICKETS, PYTHON.
# Rerunning it is cheap: the virtualenv is kept, the migrations are applied, and the
# tickets are seeded again only when their number differs from TICKETS.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PEER_VENV=${PEER_VENV:-/work/peer/.venv}
PEER_DATABASE_URL=${PEER_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/helpdesk_bench}
TICKETS=${TICKETS:-100000}
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}

if [ ! -x "$PEER_VENV/bin/python" ]; then
    "$PYTHON" -m venv "$PEER_VENV"
    "$PEER_VENV/bin/pip" install --quiet --upgrade pip
fi
"$PEER_VENV/bin/pip" install --quiet -r "$HERE/requirements.txt"

"$PEER_VENV/bin/python" - "$PEER_DATABASE_URL" <<'PY'
import sys, urllib.parse, psycopg
url = urllib.parse.urlsplit(sys.argv[1])
with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as server:
    if not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [url.path[1:]]).fetchone():
        server.execute(f'CREATE DATABASE "{url.path[1:]}"')
PY

export DATABASE_URL="$PEER_DATABASE_URL" PYTHONPATH="$HERE" DJANGO_SETTINGS_MODULE=peer_settings
"$PEER_VENV/bin/python" -m django migrate --noinput -v0
seeded=$(psql "$PEER_DATABASE_URL" -Atc 'SELECT count(*) FROM helpdesk_ticket')
if [ "$seeded" != "$TICKETS" ]; then
    "$PEER_VENV/bin/python" "$HERE/seed.py" --tickets "$TICKETS"
else
    echo "helpdesk_bench already holds $TICKETS tickets"
fi
