/**
 * Statistical detectors for traffic time series (rows of a series matrix, in time order): control
 * charts on one-step forecasts, so the daily rhythm is followed rather than flagged.
 * - `MovingAverageChart`: forecast = mean of the last `window` intervals; a Shewhart chart on the
 *   residual, in units of the residual standard deviation fitted on normal traffic.
 * - `EwmaChart`: forecast = exponentially weighted moving average (smoothing `alpha`; Roberts 1959,
 *   Hunter 1986), same residual chart.
 * - `RollingZScore`: the distance from the mean of the last `window` intervals in units of their own
 *   standard deviation (adapts its spread too, so it needs no fitted scale).
 * The score of an interval is the largest |residual| over metrics, in standard deviations: 3 is the
 * classic control limit, but thresholds are chosen apart (`thresholdAtFpr`). `score(X)` walks X in
 * order from the fitted state without changing it; `learnOne` moves the state forward one interval
 * (score first, learn second, as in River).
 */
import { OptionError } from "../core/errors";
import type { Matrix } from "../core/matrix";
import { check, violation } from "../core/schema";
import {
  checkOptionKeys,
  checkColumns,
  type OptionTable,
  detectorJSON,
  checkTrainable,
  type DetectorJSON,
  fitted,
  type StreamingDetector,
} from "./types";

export interface ChartOptions {
  /** Intervals in the moving window (MovingAverageChart, RollingZScore). Default 30. */
  window?: number;
  /** EWMA smoothing in (0, 1] (EwmaChart). Default 0.2. */
  alpha?: number;
  /** Smallest standard deviation used per metric (log1p units). Default 0.05. */
  minScale?: number;
}

/** The options of the three charts, documented (the registry publishes them). */
export const CHART_OPTIONS: OptionTable<ChartOptions> = {
  window: { default: 30, doc: "intervals in the moving window (MovingAverageChart, RollingZScore)" },
  alpha: { default: 0.2, doc: "EWMA smoothing in (0, 1] (EwmaChart)" },
  minScale: { default: 0.05, doc: "smallest standard deviation used per metric, log1p units" },
};

type Kind = "MovingAverageChart" | "EwmaChart" | "RollingZScore";

interface ChartState {
  cols: number;
  /** Per metric: residual standard deviation on the training series (not used by RollingZScore). */
  scale: number[];
  /** Forecast state after the last interval seen: recent values (oldest first) and the EWMA level. */
  recent: number[][];
  level: number[];
}

/**
 * The longest moving window, in intervals: 100,000 (about 11 days of 10 s intervals). A chart keeps
 * the window in memory and a saved one names its size, so a hostile file's `window: 1e9` is refused.
 */
export const MAX_CHART_WINDOW = 100_000;

abstract class ForecastChart implements StreamingDetector {
  abstract readonly name: Kind;
  readonly opts: Readonly<Required<ChartOptions>>;
  protected state?: ChartState;

  constructor(options: ChartOptions = {}) {
    checkOptionKeys(new.target.name, options, CHART_OPTIONS);
    const window = options.window ?? 30;
    const alpha = options.alpha ?? 0.2;
    const minScale = options.minScale ?? 0.05;
    if (!(Number.isInteger(window) && window >= 2 && window <= MAX_CHART_WINDOW))
      throw new OptionError(
        `control chart: window must be an integer in [2, ${MAX_CHART_WINDOW}], got ${window}.`,
      );
    if (!(alpha > 0 && alpha <= 1))
      throw new OptionError(`control chart: alpha must be in (0, 1], got ${alpha}.`);
    if (!(minScale > 0)) throw new OptionError(`control chart: minScale must be positive, got ${minScale}.`);
    this.opts = Object.freeze({ window, alpha, minScale });
  }

  /** Forecast and spread of metric j from a state (the spread: fitted, or the window's own). */
  protected abstract forecast(s: ChartState, j: number): { mean: number; sd: number };

  private advance(s: ChartState, x: ArrayLike<number>, offset: number): void {
    for (let j = 0; j < s.cols; j++) {
      const v = x[offset + j];
      const recent = s.recent[j];
      recent.push(v);
      if (recent.length > this.opts.window) recent.shift();
      s.level[j] = Number.isNaN(s.level[j]) ? v : this.opts.alpha * v + (1 - this.opts.alpha) * s.level[j];
    }
  }

  private scoreAt(s: ChartState, x: ArrayLike<number>, offset: number): number {
    let worst = 0;
    for (let j = 0; j < s.cols; j++) {
      if (s.recent[j].length === 0) return 0; // nothing to forecast from yet
      const { mean, sd } = this.forecast(s, j);
      const z = Math.abs(x[offset + j] - mean) / Math.max(this.opts.minScale, sd);
      if (z > worst) worst = z;
    }
    return worst;
  }

  private copy(s: ChartState): ChartState {
    return { cols: s.cols, scale: s.scale, recent: s.recent.map((r) => [...r]), level: [...s.level] };
  }

  /** Learns the residual spread on a normal series, and ends in its last state. */
  fit(X: Matrix): this {
    checkTrainable(this.name, X, this.opts.window + 2);
    const s: ChartState = {
      cols: X.cols,
      scale: new Array(X.cols).fill(1),
      recent: Array.from({ length: X.cols }, () => []),
      level: new Array(X.cols).fill(Number.NaN),
    };
    const sum = new Array(X.cols).fill(0);
    const sumSq = new Array(X.cols).fill(0);
    let n = 0;
    for (let i = 0; i < X.rows; i++) {
      if (i >= this.opts.window) {
        for (let j = 0; j < X.cols; j++) {
          const r = X.data[i * X.cols + j] - this.forecastMean(s, j);
          sum[j] += r;
          sumSq[j] += r * r;
        }
        n++;
      }
      this.advance(s, X.data, i * X.cols);
    }
    s.scale = sum.map((total, j) => Math.sqrt(Math.max(0, sumSq[j] / n - (total / n) ** 2)));
    this.state = s;
    return this;
  }

  private forecastMean(s: ChartState, j: number): number {
    return this.forecast(s, j).mean;
  }

  score(X: Matrix): Float64Array {
    const s = this.copy(fitted(this.name, this.state));
    checkColumns(this.name, s.cols, X);
    const out = new Float64Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      out[i] = this.scoreAt(s, X.data, i * X.cols);
      this.advance(s, X.data, i * X.cols);
    }
    return out;
  }

  scoreOne(x: ArrayLike<number>): number {
    const s = fitted(this.name, this.state);
    checkColumns(this.name, s.cols, x);
    return this.scoreAt(s, x, 0);
  }

  learnOne(x: ArrayLike<number>): this {
    const s = fitted(this.name, this.state);
    checkColumns(this.name, s.cols, x);
    this.advance(s, x, 0);
    return this;
  }

  toJSON(): DetectorJSON {
    return detectorJSON(this.name, this.opts, fitted(this.name, this.state));
  }

  protected restore(state: unknown, path: string): this {
    const at = `${path}.state`;
    const st = check.object(state, at);
    const cols = check.integer(st.cols, `${at}.cols`, { min: 1 });
    const recent = check.arrayOf(st.recent, `${at}.recent`, (r, p) => check.numbers(r, p), cols);
    recent.forEach((r, j) => {
      if (r.length > this.opts.window)
        violation(`${at}.recent[${j}]`, `at most ${this.opts.window} values`, r);
    });
    // A level not yet set (no interval seen) is saved as null (NaN in JSON).
    const level = check.arrayOf(
      st.level,
      `${at}.level`,
      (v, p) => (v === null ? Number.NaN : check.number(v, p)),
      cols,
    );
    this.state = {
      cols,
      scale: check.numbers(st.scale, `${at}.scale`, cols, { min: 0 }),
      recent,
      level,
    };
    return this;
  }
}

function meanOf(values: number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Shewhart chart on the residual from the moving average of the last `window` intervals. */
export class MovingAverageChart extends ForecastChart {
  readonly name = "MovingAverageChart" as const;
  protected forecast(s: ChartState, j: number): { mean: number; sd: number } {
    return { mean: meanOf(s.recent[j]), sd: s.scale[j] };
  }
  static fromJSON(json: DetectorJSON, path = "detector"): MovingAverageChart {
    return new MovingAverageChart(json.options as ChartOptions).restore(json.state, path);
  }
}

/** Chart on the residual from the exponentially weighted moving average. */
export class EwmaChart extends ForecastChart {
  readonly name = "EwmaChart" as const;
  protected forecast(s: ChartState, j: number): { mean: number; sd: number } {
    return { mean: s.level[j], sd: s.scale[j] };
  }
  static fromJSON(json: DetectorJSON, path = "detector"): EwmaChart {
    return new EwmaChart(json.options as ChartOptions).restore(json.state, path);
  }
}

/** Distance from the last `window` intervals' mean in units of their own standard deviation. */
export class RollingZScore extends ForecastChart {
  readonly name = "RollingZScore" as const;
  protected forecast(s: ChartState, j: number): { mean: number; sd: number } {
    const recent = s.recent[j];
    const mean = meanOf(recent);
    let ss = 0;
    for (const v of recent) ss += (v - mean) ** 2;
    return { mean, sd: recent.length > 1 ? Math.sqrt(ss / (recent.length - 1)) : 0 };
  }
  static fromJSON(json: DetectorJSON, path = "detector"): RollingZScore {
    return new RollingZScore(json.options as ChartOptions).restore(json.state, path);
  }
}
