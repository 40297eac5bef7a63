/**
 * Summaries of connection records and traffic series for the simulated-traffic notebook and the
 * report: who talks most, what each label's connections look like, and how each attack window
 * stands out from the baseline in the time series.
 */
import type { AttackWindow } from "../simulate/attacks";
import { type Table, valueCounts } from "../datasets/table";
import { median } from "../core/stats";
import type { ConnectionRecord } from "./connections";
import type { SeriesRow } from "./timeSeries";

/** One host's share of the traffic. */
export interface TalkerRow {
  host: string;
  connections: number;
  /** Payload bytes the host sent and received over its connections (either side). */
  bytesOut: number;
  bytesIn: number;
  peers: number;
}

/**
 * The `n` hosts that move the most bytes (sent + received) over their connections.
 * @example topTalkers(records, 5)[0].host // the file server, in a normal office day
 */
export function topTalkers(records: readonly ConnectionRecord[], n = 10): TalkerRow[] {
  const acc = new Map<
    string,
    { connections: number; bytesOut: number; bytesIn: number; peers: Set<string> }
  >();
  const add = (host: string, peer: string, out: number, inn: number): void => {
    const a = acc.get(host) ?? { connections: 0, bytesOut: 0, bytesIn: 0, peers: new Set<string>() };
    a.connections++;
    a.bytesOut += out;
    a.bytesIn += inn;
    a.peers.add(peer);
    acc.set(host, a);
  };
  for (const r of records) {
    const up = Number(r.features.src_bytes);
    const down = Number(r.features.dst_bytes);
    add(r.src, r.dst, up, down);
    add(r.dst, r.src, down, up);
  }
  return [...acc.entries()]
    .map(([host, a]) => ({
      host,
      connections: a.connections,
      bytesOut: a.bytesOut,
      bytesIn: a.bytesIn,
      peers: a.peers.size,
    }))
    .sort((x, y) => y.bytesOut + y.bytesIn - (x.bytesOut + x.bytesIn) || (x.host < y.host ? -1 : 1))
    .slice(0, n);
}

/** What one label's connections look like. */
export interface LabelProfile {
  label: string;
  records: number;
  topProtocol: string;
  topService: string;
  topFlag: string;
  sources: number;
  destinationPorts: number;
  medianSrcBytes: number;
  medianDstBytes: number;
  medianDuration: number;
  meanCount: number;
  meanSerrorRate: number;
  meanRerrorRate: number;
}

/** Per label of a record table (see `recordsToTable`): counts, typical values and traffic features. */
export function profileByLabel(table: Table): LabelProfile[] {
  return valueCounts(table, "label").map(([label]) => {
    const rows = table.where((i) => table.value("label", i) === label);
    const pickNumbers = (name: string): number[] => Array.from(rows, (i) => Number(table.value(name, i)));
    const mean = (name: string): number => pickNumbers(name).reduce((a, b) => a + b, 0) / rows.length;
    const distinct = (name: string): number => new Set(Array.from(rows, (i) => table.value(name, i))).size;
    return {
      label,
      records: rows.length,
      topProtocol: valueCounts(table, "protocol_type", rows)[0][0],
      topService: valueCounts(table, "service", rows)[0][0],
      topFlag: valueCounts(table, "flag", rows)[0][0],
      sources: distinct("src"),
      destinationPorts: distinct("dst_port"),
      medianSrcBytes: median(pickNumbers("src_bytes")),
      medianDstBytes: median(pickNumbers("dst_bytes")),
      medianDuration: median(pickNumbers("duration")),
      meanCount: mean("count"),
      meanSerrorRate: mean("serror_rate"),
      meanRerrorRate: mean("rerror_rate"),
    };
  });
}

/** How an attack window shows in the total series: its peaks against the baseline's busiest interval. */
export interface WindowContrast {
  scenario: string;
  attacker: string;
  victim: string;
  minutes: number;
  peakPackets: number;
  baselineMaxPackets: number;
  peakConnections: number;
  baselineMaxConnections: number;
  peakSynRatio: number;
  baselineMaxSynRatio: number;
  peakDnsQueries: number;
  baselineMaxDnsQueries: number;
}

/**
 * For each attack window: the highest value of each series metric over the window's intervals,
 * leaving out those of shorter attacks inside it, next to the highest value over the intervals
 * outside every window (the baseline: normal traffic has peaks too). A window fully covered by shorter attacks has NaN peaks.
 */
export function windowContrast(
  total: readonly SeriesRow[],
  windows: readonly AttackWindow[],
): WindowContrast[] {
  const step = total.length > 1 ? total[1].start - total[0].start : 1;
  const inside = (r: SeriesRow, w: AttackWindow): boolean => r.start + step > w.start && r.start < w.end;
  const baseline = total.filter((r) => !windows.some((w) => inside(r, w)));
  const peak = (rows: SeriesRow[], k: keyof SeriesRow): number =>
    rows.length === 0 ? Number.NaN : Math.max(...rows.map((r) => Number(r[k])));
  // Normal traffic has peaks too: compare with its busiest interval, so a long window's maximum is
  // not mistaken for the attack (a maximum over many intervals exceeds any percentile by chance).
  const busiest = (k: keyof SeriesRow): number => peak(baseline, k);
  return windows.map((w) => {
    // Leave out intervals of shorter attacks inside this window, so a long window (C2 beaconing)
    // does not inherit the peaks of the floods or scans that happen during it.
    const shorter = windows.filter((o) => o !== w && o.end - o.start < w.end - w.start);
    const rows = total.filter((r) => inside(r, w) && !shorter.some((o) => inside(r, o)));
    return {
      scenario: w.scenario,
      attacker: w.attacker,
      victim: w.victim,
      minutes: (w.end - w.start) / 60,
      peakPackets: peak(rows, "packets"),
      baselineMaxPackets: busiest("packets"),
      peakConnections: peak(rows, "connections"),
      baselineMaxConnections: busiest("connections"),
      peakSynRatio: peak(rows, "synRatio"),
      baselineMaxSynRatio: busiest("synRatio"),
      peakDnsQueries: peak(rows, "dnsQueries"),
      baselineMaxDnsQueries: busiest("dnsQueries"),
    };
  });
}
