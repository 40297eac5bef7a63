#!/usr/bin/env bash
# Idempotent set-up: everything `npm run study` and `npm test` need, installed only when missing.
#   1. Debian packages (Jupyter, nbclient, pandas for the benchmarks)   apt-get, as root or with sudo
#   2. npm dependencies                                                  npm ci, when the lockfile changed
#   3. the library, built to JavaScript with declarations                tsc -b (incremental)
#   4. the TypeScript kernel of this clone                                .jupyter/kernels/tslab (JUPYTER_PATH)
#   5. the datasets of data/manifest.json, fetched and verified          a mirror via DETECTIVE_DATA_MIRROR
# Usage: scripts/setup.sh [--no-data]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STEP=setup
cd "$ROOT"
t0=$(now)

# poppler-utils: pdftotext, with which lib/report/write.test.ts reads the printed PDF.
APT_PACKAGES=(jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel python3-pandas python3-sklearn tshark chromium poppler-utils)

# 1. Debian packages
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "Debian packages missing (${missing[*]}); run as root or install sudo."
    SUDO=(sudo)
  fi
  log "installing Debian packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
"$JUPYTER_PYTHON" -c "import nbclient, nbconvert, jupyter_client" 2>/dev/null ||
  die "$JUPYTER_PYTHON cannot import nbclient/nbconvert; set DETECTIVE_PYTHON to a Python with Jupyter."

# 2. npm dependencies, reinstalled when package.json or the lockfile changes
command -v node >/dev/null || die "Node.js 20 is required (https://nodejs.org or Debian's nodejs)."
lock_hash=$(cat package.json lib/package.json package-lock.json | sha256sum | cut -c1-64)
stamp=node_modules/.detective-setup
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  # .npmrc sets ignore-scripts: the optional native TensorFlow's install step downloads libtensorflow,
  # which fails without internet and would fail the whole install. Try it on its own; on failure
  # TensorFlow.js falls back to the WASM backend at run time.
  if npm rebuild tfjs-node-native --ignore-scripts=false --loglevel=silent >/dev/null 2>&1; then
    log "native TensorFlow (tfjs-node) installed"
  else
    log "native TensorFlow (tfjs-node) unavailable (its installer could not download libtensorflow); using the WASM backend"
  fi
  echo "$lock_hash" >"$stamp"
fi

# 3. the library
tsc -b lib || die "the library does not compile (see above)."
chmod +x lib/dist/cli/main.js # tsc drops the executable bit; `npx detective` runs this file

# 4. the TypeScript kernel, in this project's own Jupyter data folder (see lib.sh), not machine-wide:
# a machine-wide kernel points at whichever clone ran set-up last. One registered there by an
# earlier set-up is left alone; the project's scripts find this one first.
register_kernel

# 5. data
if [ "${1:-}" != "--no-data" ]; then
  node lib/dist/cli/main.js fetch
fi
log "ready ($(elapsed "$t0"))"
