/**
 * Figures as plain Plotly specifications (`{ data, layout }`): the library never draws, it returns
 * the figure; notebooks display it and `saveFigure` writes it. One colour per detector everywhere
 * (`theme.ts`). Curves are thinned to at most `MAX_CURVE_POINTS` points, so a ROC curve over
 * 311,029 scores stays a small figure.
 */
import { averagePrecision, type Confusion, prCurve, rocAuc, rocCurve } from "../eval/metrics";
import type { SeriesMetric, SeriesRow } from "../features/timeSeries";
import { BASE_LAYOUT, CATEGORY_COLORS, detectorColor } from "./theme";

/** One Plotly trace (scatter, bar, histogram, heatmap, ...). */
export type Trace = Record<string, unknown>;

/** A Plotly figure: traces and layout, plain JSON. */
export interface Figure {
  data: Trace[];
  layout: Record<string, unknown>;
}

/** Most points drawn per curve. */
export const MAX_CURVE_POINTS = 1500;

/** Evenly spaced points of a curve, endpoints kept. */
export function thin(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  max = MAX_CURVE_POINTS,
): { x: number[]; y: number[] } {
  const n = x.length;
  if (n <= max) return { x: Array.from(x), y: Array.from(y) };
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < max; k++) {
    const i = Math.round((k * (n - 1)) / (max - 1));
    xs.push(x[i]);
    ys.push(y[i]);
  }
  return { x: xs, y: ys };
}

function layout(title: string, extra: Record<string, unknown>): Record<string, unknown> {
  return { ...BASE_LAYOUT, title: { text: title }, ...extra };
}

/** Scores of one detector on labelled rows. */
export interface ScoredSet {
  /** Detector name (sets the colour). */
  name: string;
  /** 1 = attack. */
  y: ArrayLike<number>;
  scores: ArrayLike<number>;
}

/** ROC curves of several detectors, with their AUC in the legend and the chance diagonal. */
export function rocFigure(sets: readonly ScoredSet[], title = "ROC curves"): Figure {
  const data: Trace[] = sets.map((s) => {
    const roc = rocCurve(s.y, s.scores);
    const points = thin(roc.fpr, roc.tpr);
    return {
      type: "scatter",
      mode: "lines",
      name: `${s.name} (AUC ${rocAuc(s.y, s.scores).toFixed(3)})`,
      x: points.x,
      y: points.y,
      line: { color: detectorColor(s.name), width: 2 },
    };
  });
  data.push({
    type: "scatter",
    mode: "lines",
    name: "chance",
    x: [0, 1],
    y: [0, 1],
    line: { color: "#bbbbbb", dash: "dot" },
    showlegend: false,
  });
  return {
    data,
    layout: layout(title, {
      xaxis: { title: { text: "false-positive rate" }, range: [0, 1] },
      yaxis: { title: { text: "detection rate (true-positive rate)" }, range: [0, 1.02] },
    }),
  };
}

/** Precision-recall curves of several detectors, with their average precision in the legend. */
export function prFigure(sets: readonly ScoredSet[], title = "Precision-recall curves"): Figure {
  return {
    data: sets.map((s) => {
      const pr = prCurve(s.y, s.scores);
      const points = thin(pr.recall, pr.precision);
      return {
        type: "scatter",
        mode: "lines",
        name: `${s.name} (AP ${averagePrecision(s.y, s.scores).toFixed(3)})`,
        x: points.x,
        y: points.y,
        line: { color: detectorColor(s.name), width: 2 },
      };
    }),
    layout: layout(title, {
      xaxis: { title: { text: "recall" }, range: [0, 1] },
      yaxis: { title: { text: "precision" }, range: [0, 1.02] },
    }),
  };
}

/** Bins of the score histograms in `scoreDistributionFigure`. */
export const SCORE_BINS = 80;

/**
 * Score distributions of normal and attack rows (densities over shared bins), with the threshold if
 * given. The histograms are binned here, so the figure's size does not grow with the rows.
 */
export function scoreDistributionFigure(
  set: ScoredSet,
  threshold?: number,
  title = `${set.name}: scores of normal and attack rows`,
): Figure {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < set.scores.length; i++) {
    const v = set.scores[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) hi = lo + 1;
  const width = (hi - lo) / SCORE_BINS;
  const counts = [new Float64Array(SCORE_BINS), new Float64Array(SCORE_BINS)];
  const totals = [0, 0];
  for (let i = 0; i < set.scores.length; i++) {
    const v = set.scores[i];
    if (!Number.isFinite(v)) continue;
    const k = set.y[i] ? 1 : 0;
    counts[k][Math.min(SCORE_BINS - 1, Math.floor((v - lo) / width))]++;
    totals[k]++;
  }
  const centres = Array.from({ length: SCORE_BINS }, (_, b) => lo + (b + 0.5) * width);
  const histogram = (name: string, k: number, color: string): Trace => ({
    type: "bar",
    name: `${name} (${totals[k].toLocaleString("en")})`,
    x: centres,
    y: Array.from(counts[k], (c) => (totals[k] ? c / totals[k] / width : 0)),
    width,
    opacity: 0.6,
    marker: { color },
  });
  const shapes =
    threshold === undefined
      ? []
      : [
          {
            type: "line",
            x0: threshold,
            x1: threshold,
            yref: "paper",
            y0: 0,
            y1: 1,
            line: { color: "#000", dash: "dash" },
          },
        ];
  return {
    data: [histogram("normal", 0, CATEGORY_COLORS.normal), histogram("attack", 1, CATEGORY_COLORS.attack)],
    layout: layout(title, {
      barmode: "overlay",
      xaxis: { title: { text: "anomaly score" } },
      yaxis: { title: { text: "density" } },
      shapes,
    }),
  };
}

/** Attack windows as shaded time spans, each labelled with its scenario (for time-axis figures). */
function attackWindowShading(windows: readonly { scenario: string; start: number; end: number }[]): {
  shapes: Record<string, unknown>[];
  annotations: Record<string, unknown>[];
} {
  const iso = (t: number): string => new Date(t * 1000).toISOString();
  return {
    shapes: windows.map((w) => ({
      type: "rect",
      xref: "x",
      yref: "paper",
      x0: iso(w.start),
      x1: iso(w.end),
      y0: 0,
      y1: 1,
      fillcolor: "rgba(213, 94, 0, 0.12)",
      line: { width: 0 },
    })),
    annotations: windows.map((w) => ({
      x: iso(w.start),
      y: 1,
      yref: "paper",
      text: w.scenario,
      showarrow: false,
      textangle: -90,
      xanchor: "right",
      yanchor: "top",
      font: { size: 10 },
    })),
  };
}

/**
 * Traffic volume over time (one series metric), attack windows shaded, and flagged intervals
 * marked when `flagged` (one boolean per row) is given.
 */
export function trafficFigure(
  rows: readonly SeriesRow[],
  metric: SeriesMetric,
  options: {
    windows?: readonly { scenario: string; start: number; end: number }[];
    flagged?: ArrayLike<boolean | number>;
    title?: string;
  } = {},
): Figure {
  const time = rows.map((r) => new Date(r.start * 1000).toISOString());
  const data: Trace[] = [
    {
      type: "scatter",
      mode: "lines",
      name: metric,
      x: time,
      y: rows.map((r) => r[metric]),
      line: { color: "#1f4e79", width: 1 },
    },
  ];
  if (options.flagged) {
    const idx = rows.map((_, i) => i).filter((i) => options.flagged?.[i]);
    data.push({
      type: "scatter",
      mode: "markers",
      name: "flagged",
      x: idx.map((i) => time[i]),
      y: idx.map((i) => rows[i][metric]),
      marker: { color: CATEGORY_COLORS.attack, size: 7, symbol: "x" },
    });
  }
  const { shapes, annotations } = attackWindowShading(options.windows ?? []);
  return {
    data,
    layout: layout(options.title ?? `Traffic: ${metric} per interval`, {
      xaxis: { title: { text: "time (UTC)" } },
      yaxis: { title: { text: metric } },
      shapes,
      annotations,
    }),
  };
}

/** Detection rate per group (attack category, or known vs novel) for several detectors. */
export function detectionBarsFigure(
  rates: readonly { detector: string; group: string; rate: number }[],
  title = "Detection rate by attack category",
): Figure {
  const detectors = [...new Set(rates.map((r) => r.detector))];
  const groups = [...new Set(rates.map((r) => r.group))];
  return {
    data: detectors.map((d) => ({
      type: "bar",
      name: d,
      x: groups,
      y: groups.map((g) => rates.find((r) => r.detector === d && r.group === g)?.rate ?? null),
      marker: { color: detectorColor(d) },
    })),
    layout: layout(title, { barmode: "group", yaxis: { title: { text: "detection rate" }, range: [0, 1] } }),
  };
}

/** A confusion matrix as an annotated heatmap (rows: truth, columns: prediction). */
export function confusionFigure(c: Confusion, title = "Confusion matrix"): Figure {
  const z = [
    [c.tn, c.fp],
    [c.fn, c.tp],
  ];
  const labels = ["normal", "attack"];
  return {
    data: [
      {
        type: "heatmap",
        z,
        x: labels.map((l) => `predicted ${l}`),
        y: labels.map((l) => `true ${l}`),
        colorscale: [
          [0, "#f7fbff"],
          [1, "#6baed6"],
        ],
        showscale: false,
      },
    ],
    layout: layout(title, {
      annotations: z.flatMap((row, i) =>
        row.map((v, j) => ({
          x: `predicted ${labels[j]}`,
          y: `true ${labels[i]}`,
          text: v.toLocaleString("en"),
          showarrow: false,
          font: { size: 16 },
        })),
      ),
      yaxis: { autorange: "reversed" },
      margin: { l: 110, r: 30, t: 70, b: 60 },
    }),
  };
}

/**
 * False-positive rate and detection rate as the threshold moves (flagged: score > threshold), with
 * the chosen threshold as a dashed line when given.
 */
export function thresholdFigure(
  set: ScoredSet,
  chosen?: number,
  title = `${set.name}: threshold against FPR and detection rate`,
): Figure {
  const roc = rocCurve(set.y, set.scores);
  // roc.thresholds[k] flags score >= t; the first point (Infinity) flags nothing.
  const t = Array.from(roc.thresholds).slice(1);
  const fpr = thin(t, Array.from(roc.fpr).slice(1));
  const tpr = thin(t, Array.from(roc.tpr).slice(1));
  const shapes =
    chosen === undefined
      ? []
      : [
          {
            type: "line",
            x0: chosen,
            x1: chosen,
            yref: "paper",
            y0: 0,
            y1: 1,
            line: { color: "#000", dash: "dash" },
          },
        ];
  return {
    data: [
      {
        type: "scatter",
        mode: "lines",
        name: "false-positive rate",
        x: fpr.x,
        y: fpr.y,
        line: { color: CATEGORY_COLORS.normal },
      },
      {
        type: "scatter",
        mode: "lines",
        name: "detection rate",
        x: tpr.x,
        y: tpr.y,
        line: { color: detectorColor(set.name) },
      },
    ],
    layout: layout(title, {
      xaxis: { title: { text: "threshold (anomaly score)" } },
      yaxis: { title: { text: "rate" }, range: [0, 1.02] },
      shapes,
    }),
  };
}

/**
 * Training curves: the loss per epoch (solid) and the validation loss (dotted) of each model, on a
 * log scale, with the epoch whose weights were kept marked.
 */
export function lossCurveFigure(
  runs: readonly {
    name: string;
    history: { loss: readonly number[]; validationLoss: readonly (number | null)[]; bestEpoch: number };
  }[],
  title = "Training curves",
): Figure {
  const data: Trace[] = [];
  for (const { name, history } of runs) {
    const color = detectorColor(name);
    const epochs = history.loss.map((_, i) => i + 1);
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${name} training`,
      x: epochs,
      y: [...history.loss],
      line: { color, width: 2 },
    });
    const validation = history.validationLoss.map((v) => (v === null || Number.isNaN(v) ? null : v));
    if (validation.some((v) => v !== null)) {
      data.push({
        type: "scatter",
        mode: "lines",
        name: `${name} validation`,
        x: epochs,
        y: validation,
        line: { color, width: 2, dash: "dot" },
      });
      const best = history.bestEpoch;
      data.push({
        type: "scatter",
        mode: "markers",
        name: `${name} kept (epoch ${best})`,
        x: [best],
        y: [validation[best - 1]],
        marker: { color, size: 10, symbol: "star" },
      });
    }
  }
  return {
    data,
    layout: layout(title, {
      xaxis: { title: { text: "epoch" } },
      yaxis: { title: { text: "mean squared error" }, type: "log" },
    }),
  };
}

/**
 * Alerts per time bin (one bar series per alert kind), attack windows shaded: what a monitor
 * raised over a capture, against the ground truth.
 */
export function alertTimelineFigure(
  alerts: readonly { time: number; kind: string }[],
  options: {
    binSeconds?: number;
    windows?: readonly { scenario: string; start: number; end: number }[];
    title?: string;
  } = {},
): Figure {
  const bin = options.binSeconds ?? 60;
  const kinds = [...new Set(alerts.map((a) => a.kind))];
  const data: Trace[] = kinds.map((kind) => {
    const counts = new Map<number, number>();
    for (const a of alerts) {
      if (a.kind !== kind) continue;
      const t = Math.floor(a.time / bin) * bin;
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const times = [...counts.keys()].sort((a, b) => a - b);
    return {
      type: "bar",
      name: kind,
      x: times.map((t) => new Date(t * 1000).toISOString()),
      y: times.map((t) => counts.get(t)),
      marker: { color: detectorColor(kind.replace(/ \(volume\)$/, "")) },
    };
  });
  const { shapes, annotations } = attackWindowShading(options.windows ?? []);
  return {
    data,
    layout: layout(options.title ?? `Alerts per ${bin} s`, {
      barmode: "stack",
      xaxis: { title: { text: "time (UTC)" } },
      yaxis: { title: { text: "alerts (log scale)" }, type: "log" },
      shapes,
      annotations,
    }),
  };
}

/**
 * The share of each category (normal and the attack families) in each dataset, as stacked bars
 * of 100%, with the row counts on hover. Takes `composition(...)` rows.
 * @example compositionFigure(composition({ corrected }))
 */
export function compositionFigure(
  rows: readonly ({ dataset: string; rows: number } & Readonly<Record<string, number | string>>)[],
  title = "Normal traffic and attack families per dataset",
): Figure {
  const categories = ["normal", "DoS", "Probe", "R2L", "U2R", "Data"].filter((c) =>
    rows.some((r) => Number(r[c] ?? 0) > 0),
  );
  return {
    data: categories.map((c) => ({
      type: "bar",
      orientation: "h",
      name: c,
      y: rows.map((r) => r.dataset),
      x: rows.map((r) => Number(r[c] ?? 0) / r.rows),
      customdata: rows.map((r) => Number(r[c] ?? 0)),
      hovertemplate: `${c}: %{x:.1%} (%{customdata:,} rows)<extra>%{y}</extra>`,
      marker: { color: CATEGORY_COLORS[c] },
    })),
    layout: layout(title, {
      barmode: "stack",
      xaxis: { title: { text: "share of rows" }, tickformat: ".0%", range: [0, 1] },
      yaxis: { autorange: "reversed" },
      margin: { ...BASE_LAYOUT.margin, l: 130 },
    }),
  };
}

/**
 * Traffic per interval as bars of one metric with a second metric as a line on its own axis, e.g.
 * the daily rhythm: connections and megabytes per hour.
 * @example rhythmFigure(hourly.total, "connections", "bytes", "A normal day, per hour")
 */
export function rhythmFigure(
  rows: readonly SeriesRow[],
  bars: SeriesMetric,
  line: SeriesMetric,
  title = `Traffic per interval: ${bars} and ${line}`,
): Figure {
  const time = rows.map((r) => new Date(r.start * 1000).toISOString());
  const scale = line === "bytes" ? 1e-6 : 1;
  const lineLabel = line === "bytes" ? "MB" : line;
  return {
    data: [
      { type: "bar", name: bars, x: time, y: rows.map((r) => r[bars]), marker: { color: "#1f4e79" } },
      {
        type: "scatter",
        mode: "lines+markers",
        name: lineLabel,
        x: time,
        y: rows.map((r) => Number((Number(r[line]) * scale).toPrecision(6))),
        yaxis: "y2",
        line: { color: CATEGORY_COLORS.attack, width: 2 },
      },
    ],
    layout: layout(title, {
      xaxis: { title: { text: "time (UTC)" } },
      yaxis: { title: { text: bars } },
      yaxis2: {
        title: { text: lineLabel },
        overlaying: "y",
        side: "right",
        rangemode: "tozero",
        showgrid: false,
      },
    }),
  };
}

/**
 * The largest shares of a count (a service or protocol mix) as horizontal bars, the rest summed as
 * "other". Takes `valueCounts(...)` pairs.
 * @example shareFigure(valueCounts(table, "service"), "Services of the normal day's connections")
 */
export function shareFigure(counts: readonly (readonly [string, number])[], title: string, top = 12): Figure {
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, top);
  const rest = sorted.slice(top).reduce((a, [, n]) => a + n, 0);
  if (rest > 0) shown.push([`other (${sorted.length - top})`, rest]);
  const total = sorted.reduce((a, [, n]) => a + n, 0);
  return {
    data: [
      {
        type: "bar",
        orientation: "h",
        y: shown.map(([k]) => k),
        x: shown.map(([, n]) => n),
        text: shown.map(([, n]) => `${((100 * n) / total).toFixed(1)}%`),
        textposition: "outside",
        cliponaxis: false,
        hovertemplate: "%{y}: %{x:,}<extra></extra>",
        marker: { color: "#1f4e79" },
      },
    ],
    layout: layout(title, {
      xaxis: { title: { text: "connections" } },
      yaxis: { autorange: "reversed" },
      margin: { ...BASE_LAYOUT.margin, l: 130, r: 70 },
      showlegend: false,
    }),
  };
}

/** Colours of the stacked parts of a mix (status classes, login outcomes), in order. */
const MIX_COLORS = ["#2e7d32", "#1f4e79", "#f9a825", "#c62828", "#7b1fa2", "#9e9e9e"];

/**
 * Shares per group as stacked horizontal bars: one bar per row (its `label` field), one part per
 * entry of `parts` (a numeric field of the rows, 0 to 1), e.g. the HTTP status mix per scenario.
 */
export function mixFigure(
  rows: readonly Readonly<Record<string, string | number>>[],
  label: string,
  parts: readonly string[],
  title: string,
  axis = "share",
): Figure {
  return {
    data: parts.map((part, i) => ({
      type: "bar",
      orientation: "h",
      name: part,
      y: rows.map((r) => String(r[label])),
      x: rows.map((r) => Number(r[part])),
      marker: { color: MIX_COLORS[i % MIX_COLORS.length] },
      hovertemplate: `%{y}: ${part} %{x:.3~g}<extra></extra>`,
    })),
    layout: layout(title, {
      barmode: "stack",
      xaxis: { title: { text: axis } },
      yaxis: { autorange: "reversed" },
      margin: { ...BASE_LAYOUT.margin, l: 130 },
    }),
  };
}

/**
 * Distributions of one number per group as overlaid histograms in percent of each group (so a
 * small group shows beside a large one), e.g. DNS query-name lengths per scenario.
 */
export function overlaidHistogramFigure(
  groups: readonly (readonly [string, readonly number[]])[],
  title: string,
  axis: string,
): Figure {
  return {
    data: groups.map(([name, values], i) => ({
      type: "histogram",
      name: `${name} (${values.length.toLocaleString("en")})`,
      x: [...values],
      histnorm: "percent",
      opacity: 0.6,
      xbins: { size: 4 },
      marker: { color: i === 0 ? "#1f4e79" : MIX_COLORS[(i + 2) % MIX_COLORS.length] },
    })),
    layout: layout(title, {
      barmode: "overlay",
      xaxis: { title: { text: axis } },
      yaxis: { title: { text: "% of the group's records" } },
    }),
  };
}
