/** Worker of `IsolationForest.scoreParallel`: scores one range of rows into the shared output. */
import { workerData } from "node:worker_threads";
import { type ForestKernelArgs, scoreForestRows } from "./isolationForest";

const job = workerData as {
  forest: ForestKernelArgs;
  data: Float32Array;
  d: number;
  start: number;
  end: number;
  out: Float64Array;
};
scoreForestRows(job.forest, job.data, job.d, job.start, job.end, job.out);
