# Sourced by the other .ci scripts: a virtualenv with the pinned dependencies, made once.
# Django 6 needs Python >= 3.12; Debian 12 ships 3.11, so a pyenv build is used when present.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.14 \
      "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  echo "error: Python >= 3.12 is required (set PYTHON=/path/to/python3.12)" >&2
  return 1
}

VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  "$(find_python)" -m venv "$VENV"
fi
stamp="$VENV/.requirements.sha256"
want="$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  echo "$want" >"$stamp"
fi
export PATH="$VENV/bin:$PATH"

# Start the local PostgreSQL when DATABASE_URL points at it and it is not answering.
ensure_postgres() {
  case "${DATABASE_URL:-}" in postgres*) ;; *) return 0 ;; esac
  if ! python - <<'PY' 2>/dev/null
import os, psycopg
psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=3).close()
PY
  then
    echo "PostgreSQL is not answering; starting the local cluster" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 1 30); do
      python -c 'import os, psycopg; psycopg.connect(os.environ["DATABASE_URL"]).close()' \
        2>/dev/null && return 0
      sleep 1
    done
    echo "error: PostgreSQL did not come up" >&2
    return 1
  fi
}
