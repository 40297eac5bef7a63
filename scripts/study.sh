#!/usr/bin/env bash
# The study, end to end: set-up (packages, data, simulated captures), the comparative study's model
# runs (study.json -> report/results/study.json) on one core while the other notebooks execute on the
# other, then notebook 08 and the report (report/report.md, .html, .pdf, figures) built from the
# results. Executed notebooks are written back and rendered to HTML in report/notebooks/.
# Usage: npm run study                      the whole study
#        npm run study -- NOTEBOOK...       only these notebooks (no model runs, no report)
#        DETECTIVE_QUICK=1 npm run study    quick mode, everything into .cache/ (the test suite's mode)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
t0=$(now)
bash scripts/setup.sh
STEP=study
mode=full
[ -n "${DETECTIVE_QUICK:-}" ] && mode=quick
if [ "$mode" = full ]; then
  where=(--in-place --html report/notebooks)
  quick=()
else
  where=(--out .cache/notebooks-quick)
  quick=(--quick)
fi
run_notebooks() { "$JUPYTER_PYTHON" scripts/run_notebooks.py --mode "$mode" "${where[@]}" "$@"; }

if [ $# -gt 0 ]; then
  log "executing $# notebook(s) ($mode mode)"
  run_notebooks "$@"
  log "done in $(elapsed "$t0")"
  exit 0
fi

mapfile -t narrative < <(ls notebooks/[0-9][0-9]-*.ipynb | grep -v '/08-comparison.ipynb$')
log "model runs of the comparative study ($mode mode) in the background; the other notebooks meanwhile"
node lib/dist/cli/main.js study "${quick[@]}" &
study_pid=$!
trap 'kill "$study_pid" 2>/dev/null || true' EXIT
notebooks_ok=0
run_notebooks "${narrative[@]}" || notebooks_ok=$?
study_ok=0
wait "$study_pid" || study_ok=$?
trap - EXIT
[ "$study_ok" -eq 0 ] || die "the study's model runs failed (see above)."
[ "$notebooks_ok" -eq 0 ] || die "a notebook failed (see above); the study's results were written."
log "notebook 08 (comparison, from the results) and the report"
run_notebooks notebooks/08-comparison.ipynb
node lib/dist/cli/main.js report "${quick[@]}"
if [ "$mode" = full ]; then
  log "done in $(elapsed "$t0"): notebooks/ executed, report/notebooks/*.html, report/report.{md,html,pdf}"
else
  log "done in $(elapsed "$t0"): quick mode, into .cache/notebooks-quick and .cache/study-quick"
fi
