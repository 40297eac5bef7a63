/**
 * Ground truth for simulated captures: each connection record's label from the simulator's labels
 * file, and a generated capture as a labelled record table (what the simulated benchmark reads).
 */
import { NORMAL_LABEL } from "../datasets/kdd99";
import { loadSimulated } from "../datasets/generated";
import type { Table } from "../datasets/table";
import type { ConnectionRecord } from "../features/connections";
import { featurizeCapture, recordsToTable } from "../features/featurize";
import type { SimulationLabels } from "../simulate/simulate";

/** What labelling reads of a connection (a `ConnectionRecord`, or a conn.log row's fields). */
export type LabelTarget = Pick<
  ConnectionRecord,
  "protocol" | "src" | "srcPort" | "dst" | "dstPort" | "start" | "end"
>;

/** Tolerance when matching a record's start to a labelled connection's first packet, seconds. */
const LABEL_MATCH_SECONDS = 1;

/**
 * Ground truth per record from a simulation's labels: the scenario of the labelled connection with
 * the same 5-tuple (starting within a second), else the scenario whose window the record overlaps
 * between its attacker and victim (e.g. the victim's ICMP errors during a UDP flood), else `normal`.
 */
export function labelRecords(records: readonly LabelTarget[], labels: SimulationLabels): string[] {
  const byTuple = new Map<string, { start: number; scenario: string }[]>();
  for (const c of labels.connections) {
    const key = `${c.protocol}|${c.src}|${c.srcPort}|${c.dst}|${c.dstPort}`;
    const list = byTuple.get(key) ?? [];
    list.push({ start: c.start, scenario: c.scenario });
    byTuple.set(key, list);
  }
  return records.map((r) => {
    const exact = byTuple.get(`${r.protocol}|${r.src}|${r.srcPort}|${r.dst}|${r.dstPort}`);
    const hit = exact?.find((c) => Math.abs(c.start - r.start) <= LABEL_MATCH_SECONDS);
    if (hit) return hit.scenario;
    for (const w of labels.windows) {
      if (r.end < w.start || r.start > w.end || w.attacker === "spoofed") continue;
      const between =
        (r.src === w.attacker && r.dst === w.victim) || (r.src === w.victim && r.dst === w.attacker);
      if (between) return w.scenario;
    }
    return NORMAL_LABEL;
  });
}

/**
 * A generated capture of the manifest (`sim-normal`, `sim-mixed`) as a labelled record table, ready
 * for `kddSplit` and the feature pipeline like a KDD file.
 * @example const table = await simulatedRecordTable("sim-mixed"); valueCounts(table, "label")
 */
export async function simulatedRecordTable(id: string): Promise<Table> {
  const { pcap, labels } = loadSimulated(id);
  const { records, protocols } = await featurizeCapture(pcap);
  return recordsToTable(records, labelRecords(records, labels), protocols);
}
