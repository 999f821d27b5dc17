#!/usr/bin/env bash
# `make run`: migrate, load the demo into an empty database, tick every minute
# and deliver the mail outbox in the background, and serve with gunicorn until
# interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
WORKERS=${WORKERS:-2}

"$BIN/flask" db upgrade
"$BIN/flask" cms seed-demo --if-empty

( while sleep 60; do "$BIN/flask" cms tick || true; done ) &
ticker=$!
# Mail goes out from a process of its own, at a lower CPU priority than the
# web workers, which only queue it.
nice -n 10 "$BIN/flask" cms deliver-mail &
relay=$!
export FLASK_OUTBOX_THREAD=false
trap 'kill "$ticker" "$relay" 2>/dev/null || true' EXIT INT TERM

echo "Serving the site at http://$HOST:$PORT/  (Ctrl-C to stop)"
"$BIN/gunicorn" --workers "$WORKERS" --bind "$HOST:$PORT" \
  --access-logfile - \
  --access-logformat '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" rid=%({x-request-id}o)s' \
  --no-control-socket --config gunicorn.conf.py wsgi:app
