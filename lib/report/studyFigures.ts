/**
 * Figures of the comparative study, drawn from its results file (never from re-run models), so
 * notebook 08 and the report show the same pictures: metric bars with their spread over seeds, ROC
 * and precision-recall curves averaged over seeds, detection per attack category, cost, the
 * time-series detectors per attack scenario, and the simulated traffic they watched.
 */
import { PR_RECALL_GRID, ROC_FPR_GRID, type TrafficOverview } from "../eval/runStudy";
import type { SeriesMetric, SeriesRow } from "../features/timeSeries";
import type { RunSummary, SeriesSummary, StudySummary, SummaryMetric } from "./summary";
import { type Figure, type Trace, trafficFigure } from "../plots/figures";
import { BASE_LAYOUT, CATEGORY_COLORS, detectorColor } from "../plots/theme";

function layout(title: string, extra: Record<string, unknown>): Record<string, unknown> {
  return { ...BASE_LAYOUT, title: { text: title }, ...extra };
}

const METRIC_LABELS: Readonly<Partial<Record<SummaryMetric, string>>> = {
  rocAuc: "ROC-AUC",
  averagePrecision: "average precision",
  detectionRate: "detection rate at the threshold",
  falsePositiveRate: "false-positive rate at the threshold",
  f1: "F1 at the threshold",
  accuracy: "accuracy at the threshold",
  detectionAt1pctFpr: "detection rate at 1% FPR",
};

function rounded(v: number): number | null {
  return Number.isFinite(v) ? Number(v.toPrecision(4)) : null;
}

/**
 * One metric for every detector on every test set: bars at the mean over seeds and, with more than
 * one seed, each seed's value as a point over its bar (an error bar of one standard deviation would
 * reach past 100% where three seeds gave 27%, 80% and 91%).
 * @example metricBarsFigure(summary, "detectionAt1pctFpr")
 */
export function metricBarsFigure(summary: StudySummary, metric: SummaryMetric, title?: string): Figure {
  const tests = summary.tests.map((t) => t.test);
  const seeds = Math.max(1, ...summary.runs.map((r) => r.seeds.length));
  const data: Figure["data"] = [];
  for (const d of summary.detectors) {
    const cells = tests.map((t) => summary.runs.find((r) => r.test === t && r.detector === d));
    data.push({
      type: "bar",
      name: d,
      legendgroup: d,
      offsetgroup: d,
      x: tests,
      y: cells.map((c) => (c ? rounded(c.metrics[metric].mean) : null)),
      marker: { color: detectorColor(d) },
    });
    if (seeds > 1) {
      const points = cells.flatMap((c, k) =>
        c ? c.metrics[metric].values.map((v, j) => ({ x: tests[k], y: v, seed: c.seeds[j] })).filter((p) => Number.isFinite(p.y)) : [],
      );
      data.push({
        type: "scatter",
        mode: "markers",
        name: `${d}, each seed`,
        legendgroup: d,
        showlegend: false,
        offsetgroup: d,
        x: points.map((p) => p.x),
        y: points.map((p) => rounded(p.y)),
        text: points.map((p) => `seed ${p.seed}`),
        hovertemplate: `${d}, %{text}: %{y:.3f}<extra></extra>`,
        marker: { color: "#222", size: 5, symbol: "circle-open" },
      });
    }
  }
  const what = seeds > 1 ? `mean over ${seeds} seeds; points: each seed` : "one seed";
  return {
    data,
    layout: layout(title ?? `${METRIC_LABELS[metric] ?? metric} (${what})`, {
      barmode: "group",
      scattermode: "group",
      yaxis: { title: { text: METRIC_LABELS[metric] ?? metric }, range: [0, 1.02] },
    }),
  };
}

/** ROC curves averaged over seeds (vertical averaging), false-positive rate on a log axis. */
export function meanRocFigure(runs: readonly RunSummary[], title: string): Figure {
  const fprs = ROC_FPR_GRID.slice(1);
  return {
    data: runs.map((r) => ({
      type: "scatter",
      mode: "lines",
      name: `${r.detector} (AUC ${r.metrics.rocAuc.mean.toFixed(3)})`,
      x: fprs,
      y: r.roc.slice(1).map(rounded),
      line: { color: detectorColor(r.detector), width: 2, shape: "hv" },
    })),
    layout: layout(title, {
      xaxis: { title: { text: "false-positive rate (log scale)" }, type: "log", range: [-4, 0] },
      yaxis: { title: { text: "detection rate" }, range: [0, 1.02] },
      shapes: [
        {
          type: "line",
          x0: 0.01,
          x1: 0.01,
          y0: 0,
          y1: 1,
          yref: "paper",
          line: { color: "#999", dash: "dot", width: 1 },
        },
      ],
    }),
  };
}

/** Precision-recall curves averaged over seeds (interpolated precision). */
export function meanPrFigure(runs: readonly RunSummary[], title: string): Figure {
  return {
    data: runs.map((r) => ({
      type: "scatter",
      mode: "lines",
      name: `${r.detector} (AP ${r.metrics.averagePrecision.mean.toFixed(3)})`,
      x: [...PR_RECALL_GRID],
      y: r.pr.map(rounded),
      line: { color: detectorColor(r.detector), width: 2 },
    })),
    layout: layout(title, {
      xaxis: { title: { text: "recall (detection rate)" }, range: [0, 1] },
      yaxis: { title: { text: "precision" }, range: [0, 1.02] },
    }),
  };
}

/** Detection rate per attack category (rows: detectors, columns: categories) as an annotated heatmap. */
export function categoryHeatmapFigure(runs: readonly RunSummary[], title: string): Figure {
  const categories = (["DoS", "Probe", "R2L", "U2R", "Data"] as const).filter((c) =>
    runs.some((r) => Number.isFinite(r.metrics[c].mean)),
  );
  const columns: SummaryMetric[] = [...categories, "novelAttacks"];
  const z = runs.map((r) => columns.map((c) => rounded(r.metrics[c].mean)));
  return {
    data: [
      {
        type: "heatmap",
        z,
        x: columns.map((c) => (c === "novelAttacks" ? "novel types" : c)),
        y: runs.map((r) => r.detector),
        zmin: 0,
        zmax: 1,
        colorscale: [
          [0, "#f7fbff"],
          [1, "#08519c"],
        ],
        colorbar: { title: { text: "detection" } },
      },
    ],
    layout: layout(title, {
      annotations: z.flatMap((row, i) =>
        row.map((v, j) => ({
          x: columns[j] === "novelAttacks" ? "novel types" : columns[j],
          y: runs[i].detector,
          text: v === null ? "–" : v.toFixed(2),
          showarrow: false,
          font: { color: v !== null && v > 0.6 ? "white" : "black" },
        })),
      ),
      yaxis: { autorange: "reversed" },
      margin: { l: 170, r: 30, t: 60, b: 60 },
    }),
  };
}

/** Cost: fit time against scoring throughput (log axes), one marker per detector and test set. */
export function costFigure(runs: readonly RunSummary[], title: string): Figure {
  const detectors = [...new Set(runs.map((r) => r.detector))];
  return {
    data: detectors.map((d) => {
      const mine = runs.filter((r) => r.detector === d);
      return {
        type: "scatter",
        mode: "markers",
        name: d,
        x: mine.map((r) => rounded(Math.max(r.metrics.fitSeconds.mean, 1e-3))),
        y: mine.map((r) => rounded(r.metrics.scoreRowsPerSecond.mean)),
        text: mine.map((r) => `${r.test}: model ${(r.metrics.modelBytes.mean / 1024).toFixed(0)} KB`),
        marker: { color: detectorColor(d), size: 11 },
      };
    }),
    layout: layout(title, {
      xaxis: { title: { text: "fit time, seconds (log scale)" }, type: "log" },
      yaxis: { title: { text: "scoring throughput, rows/s (log scale)" }, type: "log" },
    }),
  };
}

/** Time-series detectors per attack scenario: share of the window's intervals flagged. */
export function seriesScenarioFigure(series: readonly SeriesSummary[], title: string): Figure {
  const scenarios = series[0]?.windows.map((w) => w.scenario) ?? [];
  const z = series.map((s) =>
    s.windows.map((w) => rounded(w.intervals ? w.intervalsFlagged / w.intervals : Number.NaN)),
  );
  return {
    data: [
      {
        type: "heatmap",
        z,
        x: scenarios,
        y: series.map((s) => s.detector),
        zmin: 0,
        zmax: 1,
        colorscale: [
          [0, "#f7fbff"],
          [1, "#08519c"],
        ],
        colorbar: { title: { text: "flagged" } },
      },
    ],
    layout: layout(title, {
      annotations: z.flatMap((row, i) =>
        row.map((v, j) => ({
          x: scenarios[j],
          y: series[i].detector,
          text: v === null ? "–" : `${(v * 100).toFixed(0)}%`,
          showarrow: false,
          font: { color: v !== null && v > 0.6 ? "white" : "black" },
        })),
      ),
      yaxis: { autorange: "reversed" },
      margin: { l: 150, r: 30, t: 60, b: 90 },
    }),
  };
}

/** The simulated mixed capture over time (one metric), attack windows shaded, a detector's alarms marked. */
export function trafficOverviewFigure(
  traffic: TrafficOverview,
  metric: SeriesMetric,
  options: { flagged?: readonly number[]; detector?: string; title?: string } = {},
): Figure {
  const values = traffic.metrics[metric] ?? [];
  const rows = traffic.starts.map((start, i): SeriesRow => ({
    start,
    host: "*",
    packets: 0,
    bytes: 0,
    packetsIn: 0,
    bytesIn: 0,
    connections: 0,
    destinations: 0,
    destinationPorts: 0,
    synPackets: 0,
    synRatio: 0,
    dnsQueries: 0,
    [metric]: values[i] ?? 0,
  }));
  const flagged = options.flagged ? new Uint8Array(rows.length) : undefined;
  for (const i of options.flagged ?? []) if (flagged) flagged[i] = 1;
  const figure = trafficFigure(rows, metric, {
    windows: traffic.windows,
    flagged,
    title: options.title,
  });
  if (options.detector && figure.data[1]) (figure.data[1] as Trace).name = `${options.detector} alarm`;
  return figure;
}

/** Median of profiled features per category of one test set (log axis), contrasting normal and attack traffic. */
export function categoryProfileFigure(
  profiles: readonly { category: string; rows: number; medians: Readonly<Record<string, number>> }[],
  title: string,
): Figure {
  const features = Object.keys(profiles[0]?.medians ?? {});
  return {
    data: profiles.map((p) => ({
      type: "bar",
      name: `${p.category} (${p.rows.toLocaleString("en")} rows)`,
      x: features,
      // log axes cannot show 0: a small floor keeps the bar visible and the table gives exact values
      y: features.map((f) => rounded(Math.max(p.medians[f], 1e-3))),
      marker: { color: CATEGORY_COLORS[p.category] ?? "#444" },
    })),
    layout: layout(title, {
      barmode: "group",
      yaxis: { title: { text: "median (log scale; 0 drawn at 0.001)" }, type: "log" },
    }),
  };
}
