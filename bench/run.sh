#!/usr/bin/env bash
# Benchmarks, side by side with the reference tools in one run; results in bench/results/*.json,
# quoted in the README. Not part of the test suite (timings belong in benchmarks, not tests).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"
bash scripts/setup.sh
STEP=bench
log "loader: loadKdd vs pandas read_csv"
node --import tsx bench/loader.ts >/dev/null
log "packets: featurizeCapture vs tshark -T fields"
node --import tsx bench/packets.ts >/dev/null
log "iforest: our Isolation Forest vs scikit-learn"
node --import tsx bench/iforest.ts >/dev/null
log "ocsvm: our One-Class SVM scoring vs scikit-learn"
node --import tsx bench/ocsvm.ts >/dev/null
# PyTorch is needed by this benchmark only (a large package): installed here, not by set-up.
if ! "$JUPYTER_PYTHON" -c "import torch" 2>/dev/null; then
  log "installing Debian's python3-torch (the deep-model reference)"
  apt-get install -y python3-torch >/dev/null
fi
log "deep: our autoencoders (TensorFlow.js) vs PyTorch"
node --import tsx bench/deep.ts >/dev/null
log "protocols: a simulated day into every protocol log vs tshark extracting the same fields"
node --import tsx bench/protocols.ts >/dev/null
log "zeek-parity: our logs against Zeek's on its regression traces"
node --import tsx bench/zeekParity.ts >/dev/null
log "monitor: socket throughput and latency at increasing rates; pcap replay vs the packet pipeline"
node --import tsx bench/monitor.ts >/dev/null
node --import tsx bench/readme.ts
log "results in bench/results/, README updated"
