/**
 * One colour per detector and per attack category in every figure, so a reader can follow a
 * method across notebooks and the report (Okabe and Ito's colour-blind-safe palette, 2008).
 */
import { DETECTORS } from "../detectors/registry";

const PALETTE = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#F0E442",
  "#000000",
  "#8C564B",
] as const;

/** Fixed colours of the detectors (each detector's `color` in the registry). */
export const DETECTOR_COLORS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(DETECTORS.map((d) => [d.name, d.color])),
);

/** Colours of normal traffic and the attack categories. */
export const CATEGORY_COLORS: Readonly<Record<string, string>> = Object.freeze({
  normal: "#7f7f7f",
  attack: PALETTE[1],
  DoS: PALETTE[1],
  Probe: PALETTE[4],
  R2L: PALETTE[3],
  U2R: PALETTE[7],
  Data: PALETTE[2],
});

/** The colour of a detector (a stable palette pick for names not listed). */
export function detectorColor(name: string): string {
  const known = DETECTOR_COLORS[name];
  if (known) return known;
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

/** Layout shared by every figure. */
export const BASE_LAYOUT = Object.freeze({
  font: { family: "DejaVu Sans, Arial, sans-serif", size: 13 },
  paper_bgcolor: "white",
  plot_bgcolor: "white",
  margin: { l: 70, r: 30, t: 60, b: 60 },
  legend: { orientation: "h" as const, y: -0.18 },
});
