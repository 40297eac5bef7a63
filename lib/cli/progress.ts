/**
 * Progress output of the long-running commands, on stderr (stdout stays for results).
 */

/** A progress line: rewritten in place on a terminal, every 25% otherwise (a log stays short). */
export function progressPrinter(): (label: string, done: number, total: number) => void {
  const tty = process.stderr.isTTY;
  let lastLabel = "";
  let lastQuarter = -1;
  return (label, done, total) => {
    if (label !== lastLabel) {
      lastLabel = label;
      lastQuarter = -1;
    }
    const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : -1;
    const text =
      pct >= 0
        ? `${label}: ${pct}% of ${(total / 1e6).toFixed(1)} MB`
        : `${label}: ${(done / 1e6).toFixed(1)} MB`;
    if (tty) {
      process.stderr.write(`\r${text}   ${pct === 100 ? "\n" : ""}`);
    } else if (pct >= 0 && Math.floor(pct / 25) > lastQuarter) {
      lastQuarter = Math.floor(pct / 25);
      process.stderr.write(`${text}\n`);
    }
  };
}

/** Minutes and seconds since the call, as `m:ss`, for the study's and the report's log lines. */
export function elapsedClock(): () => string {
  const started = performance.now();
  return () => {
    const s = Math.round((performance.now() - started) / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  };
}
