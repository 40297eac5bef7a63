# Shared by the scripts: project root, logging, and the Python that has Jupyter.
# Debian's /usr/bin/python3 holds Jupyter; another python3 may come first on PATH without it.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JUPYTER_PYTHON="${DETECTIVE_PYTHON:-/usr/bin/python3}"
export PATH="$ROOT/node_modules/.bin:$PATH"

# This project's own Jupyter data folder (git-ignored). Set-up registers the TypeScript kernel there
# (.jupyter/kernels/tslab, pointing at this clone's tslab), and JUPYTER_PATH puts it before the
# user's and the machine's kernels, so every Jupyter these scripts start uses this clone's kernel
# and two clones never take each other's.
PROJECT_JUPYTER="$ROOT/.jupyter"
case ":${JUPYTER_PATH:-}:" in
  *":$PROJECT_JUPYTER:"*) ;;
  *) export JUPYTER_PATH="$PROJECT_JUPYTER${JUPYTER_PATH:+:$JUPYTER_PATH}" ;;
esac

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

# Registers the TypeScript kernel in .jupyter/kernels/tslab (the kernel spec `tslab install` writes,
# with this clone's tslab), or rewrites it when it points elsewhere (a moved clone). Needs npm ci.
register_kernel() {
  local tslab="$ROOT/node_modules/.bin/tslab" spec="$PROJECT_JUPYTER/kernels/tslab/kernel.json" want
  [ -x "$tslab" ] || die "$tslab is missing; run npm run setup."
  want=$(node -e 'process.stdout.write(JSON.stringify({ argv: [process.argv[1], "kernel", "--config-path",
    "{connection_file}"], display_name: "TypeScript", language: "typescript" }))' "$tslab")
  if [ "$(cat "$spec" 2>/dev/null)" != "$want" ]; then
    log "registering the TypeScript kernel for this clone in .jupyter/kernels/tslab"
    mkdir -p "$(dirname "$spec")"
    printf '%s\n' "$want" >"$spec"
  fi
}
