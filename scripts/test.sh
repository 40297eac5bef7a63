#!/usr/bin/env bash
# The whole test suite: set-up, type check, lint and format check, unit and data tests, the
# comparative study and its report in quick mode, and every notebook executed in quick mode (all
# into .cache/, leaving the committed notebooks, results and report untouched).
# Usage: npm test
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
t0=$(now)
bash scripts/setup.sh || exit 1
STEP=test
failed=()

log "type check (tsc --noEmit, strict)"
tsc -p tsconfig.json --noEmit || failed+=("typecheck")

log "lint and format (eslint, prettier --check)"
{ eslint . && prettier --check . ; } || failed+=("lint")

log "unit and data tests (node --test)"
mapfile -t files < <(find lib tests bench scripts -name '*.test.ts' -not -path '*/node_modules/*' -not -path '*/dist/*' | sort)
report=$(mktemp)
node --import tsx --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$report" "${files[@]}" || failed+=("unit tests")
unit_pass=$(awk '/^# pass /{print $3}' "$report")
unit_fail=$(awk '/^# fail /{print $3}' "$report")
rm -f "$report"

log "the comparative study in quick mode (model runs, then the report from their results)"
{ node lib/dist/cli/main.js study --quick && node lib/dist/cli/main.js report --quick; } || failed+=("quick study")

log "notebooks in quick mode"
nb_report=$(mktemp)
DETECTIVE_QUICK=1 "$JUPYTER_PYTHON" scripts/run_notebooks.py --mode quick --out .cache/notebooks-quick \
  --summary "$nb_report" || failed+=("notebooks")
nb_pass=$(awk '{print $1}' "$nb_report" 2>/dev/null)
nb_fail=$(awk '{print $2}' "$nb_report" 2>/dev/null)
rm -f "$nb_report"

passed=$(( ${unit_pass:-0} + ${nb_pass:-0} ))
nfailed=$(( ${unit_fail:-0} + ${nb_fail:-0} ))
# typecheck or lint failures count as one failed test each
for f in "${failed[@]}"; do case "$f" in typecheck|lint|"quick study") nfailed=$((nfailed + 1)) ;; esac; done
log "finished in $(elapsed "$t0")"
if [ ${#failed[@]} -gt 0 ]; then
  log "FAILED: ${failed[*]}"
  echo "tests: ${passed} passed, ${nfailed} failed"
  exit 1
fi
echo "tests: ${passed} passed, ${nfailed} failed"
