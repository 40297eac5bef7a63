# Shared by the scripts: project root, logging, and the Python that has Jupyter.
# Debian's /usr/bin/python3 holds Jupyter; another python3 may come first on PATH without it.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JUPYTER_PYTHON="${DETECTIVE_PYTHON:-/usr/bin/python3}"
export PATH="$ROOT/node_modules/.bin:$PATH"

log() {
  if [ -t 2 ]; then printf '\033[1m[%s]\033[0m %s\n' "${STEP:-detective}" "$*" >&2
  else printf '[%s] %s\n' "${STEP:-detective}" "$*" >&2; fi
}

die() {
  log "error: $*"
  exit 1
}

# seconds since the epoch with a fraction, for step timings
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
