#!/usr/bin/env bash
# Jupyter for working on the notebooks: Debian's classic Notebook server with the repository as its
# root, opened on notebooks/. (The notebooks' figures load ../figures/plotly.min.js and link
# ../figures/*.html: a server rooted at notebooks/ cannot serve them, and the figures stay static.)
#   - set-up without the data step (the library rebuilt when the checkout changed; the kernel is
#     this clone's own, .jupyter/kernels/tslab, found through JUPYTER_PATH, see lib.sh)
#   - the project's notebooks trusted first (Jupyter's `jupyter trust`, which Debian 12 runs as
#     `python3 -m nbformat.sign`: it signs them in this user's notebook signature database), so
#     their figures are live; nothing outside notebooks/ is trusted
# Usage: npm run jupyter [-- ARGS...]      ARGS go to the server, e.g. --no-browser --port 8899
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STEP=jupyter
cd "$ROOT"

# Set-up without the data step: packages, npm dependencies, the library built (a notebook must not
# import a library older than the checkout) and this clone's kernel; seconds when all is in place.
bash scripts/setup.sh --no-data
"$JUPYTER_PYTHON" -c "import notebook, nbformat" 2>/dev/null ||
  die "$JUPYTER_PYTHON has no Jupyter Notebook; run npm run setup (it installs Debian's jupyter-notebook)."

notebooks=(notebooks/*.ipynb)
[ -e "${notebooks[0]}" ] || die "no notebooks in $ROOT/notebooks."
signed=$("$JUPYTER_PYTHON" -m nbformat.sign "${notebooks[@]}" 2>&1) || die "could not trust the notebooks: $signed"
log "${#notebooks[@]} notebooks trusted ($(grep -c '^Signing notebook' <<<"$signed" || true) signed now)"

# Jupyter refuses to run as root without --allow-root; these machines run the project as root.
as_root=()
[ "$(id -u)" -eq 0 ] && as_root=(--allow-root)
exec "$JUPYTER_PYTHON" -m notebook --notebook-dir="$ROOT" --NotebookApp.default_url=/tree/notebooks \
  "${as_root[@]}" "$@"
