/**
 * The feature matrix every detector takes: dense, row-major, Float32, with its shape alongside.
 * `X` is rows x features, `x` one row.
 */
import { ShapeError } from "./errors";

/** A dense row-major matrix: element (i, j) is `data[i * cols + j]`. */
export interface Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** A zero-filled matrix of the given shape. */
export function zeros(rows: number, cols: number): Matrix {
  return { data: new Float32Array(rows * cols), rows, cols };
}

/**
 * Wraps existing data as a matrix, checking that the length matches the shape.
 * @throws ShapeError when `data.length !== rows * cols`.
 */
export function asMatrix(data: Float32Array, rows: number, cols: number): Matrix {
  if (data.length !== rows * cols) {
    throw new ShapeError(`asMatrix: ${data.length} values cannot form ${rows} x ${cols} (= ${rows * cols}).`);
  }
  return { data, rows, cols };
}

/** Row `i` as a view (no copy). */
export function row(X: Matrix, i: number): Float32Array {
  return X.data.subarray(i * X.cols, (i + 1) * X.cols);
}

/** Column `j` as a new Float64Array. */
export function column(X: Matrix, j: number): Float64Array {
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) out[i] = X.data[i * X.cols + j];
  return out;
}
