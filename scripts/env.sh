# Shared by scripts/run and scripts/test: a project virtualenv kept in step with pyproject.toml.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${PARLEY_VENV:-$ROOT/.venv}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  # Debian packages the project needs (Chromium, PostgreSQL); apt-get update once per run.
  if [ -z "${_APT_UPDATED:-}" ]; then as_root apt-get update -qq; _APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@"
}

ensure_python() {
  local py="${PYTHON:-python3}"
  if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Parley needs Python 3.11 or newer (found: $("$py" --version 2>&1))." >&2
    exit 1
  fi
  if ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
    apt_install python3-venv
  fi
  PYTHON_BIN="$py"
}

ensure_venv() {
  # $1: the extras to install ("" or "test"). Reinstalls only when pyproject.toml changes.
  local extras="${1:-}" spec="." stamp
  [ -n "$extras" ] && spec=".[$extras]"
  ensure_python
  [ -x "$VENV/bin/python" ] || "$PYTHON_BIN" -m venv "$VENV"
  stamp="$VENV/.parley-installed-$( (cat pyproject.toml; echo "$extras") | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "Installing Parley's Python packages into $VENV ..."
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e "$spec"
    touch "$stamp"
  fi
}
