/**
 * Seeded toy data with planted outliers, the one source of toy data for detector tests (as
 * PyOD's `generate_data`): normal rows near the centre of [0, 1], outliers spread over the box.
 */
import { type Matrix, zeros } from "../core/matrix";
import { type Rng, seeded } from "../core/random";

export function plantedOutliers(options: { rows: number; outliers: number; cols: number; seed: number }): {
  X: Matrix;
  y: Uint8Array;
} {
  const rng: Rng = seeded(options.seed);
  const X = zeros(options.rows, options.cols);
  const y = new Uint8Array(options.rows);
  const normals = options.rows - options.outliers;
  for (let i = 0; i < options.rows; i++) {
    const outlier = i >= normals;
    y[i] = outlier ? 1 : 0;
    for (let j = 0; j < options.cols; j++) {
      // Normal rows: a tight cloud (sum of uniforms, roughly Gaussian, sd ~0.035) around 0.5.
      X.data[i * options.cols + j] = outlier ? rng() : 0.5 + (rng() + rng() + rng() - 1.5) * 0.06;
    }
  }
  return { X, y };
}
