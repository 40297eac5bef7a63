#!/usr/bin/env bash
# The study, end to end: set-up, data, every notebook executed in order (outputs written back),
# rendered to HTML in report/notebooks/.
# Usage: npm run study [-- NOTEBOOK...]      (DETECTIVE_QUICK=1 for the quick mode)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
t0=$(now)
bash scripts/setup.sh
STEP=study
mode=full
[ -n "${DETECTIVE_QUICK:-}" ] && mode=quick
log "executing notebooks ($mode mode)"
"$JUPYTER_PYTHON" scripts/run_notebooks.py --mode "$mode" --in-place --html report/notebooks "$@"
log "done in $(elapsed "$t0"): executed notebooks in notebooks/, HTML in report/notebooks/"
