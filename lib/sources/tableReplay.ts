/**
 * A loaded dataset (a KDD-format table such as `KDDTest+`) as a record source: its rows replayed in
 * order at a fixed rate, or as fast as possible, with their labels as ground truth.
 */
import { LABEL_COLUMN } from "../datasets/kdd99";
import type { Table } from "../datasets/table";
import type { KddFeatures } from "../features/connections";
import { sleep } from "../core/sleep";

/** One replayed row: its 41 features, its label when the table has one, and its row index. */
export interface TableRecord {
  readonly features: KddFeatures;
  readonly label?: string;
  readonly id: number;
}

/** Options of `replayTable`. */
export interface TableReplayOptions {
  /** Rows per second; absent: as fast as possible. */
  recordsPerSecond?: number;
  /** Which rows, in this order. Default: every row. */
  rows?: ArrayLike<number>;
  /** Stops the replay between batches (a hundredth of a second's rows when paced). */
  signal?: AbortSignal;
}

/** Rows passed on between two turns of the event loop in an unpaced replay. */
const UNPACED_BATCH = 4096;

/**
 * Passes the rows of `table` to `onRecord` at `recordsPerSecond`.
 * @returns the number of rows passed on.
 * @example await replayTable(nslTest, (r) => monitor.process(r, performance.now()), { recordsPerSecond: 2000 })
 */
export async function replayTable(
  table: Table,
  onRecord: (record: TableRecord) => void,
  options: TableReplayOptions = {},
): Promise<{ records: number }> {
  const n = options.rows?.length ?? table.rows;
  const rate = options.recordsPerSecond;
  // Rows go in batches with a turn of the event loop between them, so a signal (Ctrl-C) is heard.
  const batch = rate ? Math.max(1, Math.round(rate / 100)) : UNPACED_BATCH;
  const started = performance.now();
  const hasLabel = table.has(LABEL_COLUMN);
  let k = 0;
  while (k < n && !options.signal?.aborted) {
    const end = Math.min(n, k + batch);
    for (; k < end; k++) {
      const i = options.rows ? options.rows[k] : k;
      const features = table.record(i) as KddFeatures;
      onRecord({ features, label: hasLabel ? String(table.value(LABEL_COLUMN, i)) : undefined, id: i });
    }
    if (rate) {
      const due = started + (k / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait, options.signal);
    } else await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { records: k };
}
