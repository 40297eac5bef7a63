/**
 * TensorFlow.js with the backend chosen at run time: the native `@tensorflow/tfjs-node` when its
 * library loads (installed as the optional `tfjs-node-native`; its install step downloads
 * libtensorflow, so it is missing on machines without internet), otherwise `@tensorflow/tfjs`
 * with the WebAssembly backend (about 4x the pure-JS CPU backend here), and the CPU backend only
 * as a last resort. The backend in use is printed and returned, so every result can record it.
 */
import { dirname, join } from "node:path";
import type * as TfModule from "@tensorflow/tfjs";
import type * as WasmBackend from "@tensorflow/tfjs-backend-wasm";
import { DetectiveError } from "./errors";

type Tf = typeof TfModule;

/** The loaded TensorFlow.js namespace and the backend it runs on. */
export interface TensorflowRuntime {
  readonly tf: Tf;
  /** `tensorflow` (native), `wasm` or `cpu`. */
  readonly backend: string;
  /** Why a faster backend was not used, for the log and the results. */
  readonly notes: readonly string[];
}

let runtime: Promise<TensorflowRuntime> | undefined;
let loaded: TensorflowRuntime | undefined;

/**
 * Loads TensorFlow.js once and picks the fastest backend that works.
 * @param log where to print the choice (default: stderr); pass `() => {}` to stay quiet.
 * @example const { tf, backend } = await loadTensorflow(); // backend "wasm" on machines without tfjs-node
 */
export function loadTensorflow(
  log: (message: string) => void = (m) => console.error(m),
): Promise<TensorflowRuntime> {
  runtime ??= pick(log).then((r) => {
    loaded = r;
    return r;
  });
  return runtime;
}

/**
 * The runtime `loadTensorflow()` loaded, for synchronous code (the neural detectors' fit and score
 * are synchronous, like every detector's).
 * @throws DetectiveError when TensorFlow.js is not loaded yet.
 */
export function tensorflow(): TensorflowRuntime {
  if (!loaded) {
    throw new DetectiveError(
      "TensorFlow.js is not loaded: call `await loadTensorflow()` once (it picks the backend) " +
        "before fitting, scoring or loading a neural detector.",
    );
  }
  return loaded;
}

async function pick(log: (message: string) => void): Promise<TensorflowRuntime> {
  const notes: string[] = [];
  try {
    const tf = require("tfjs-node-native") as Tf;
    await tf.ready();
    log(`tensorflow: backend ${tf.getBackend()} (native @tensorflow/tfjs-node)`);
    return { tf, backend: tf.getBackend(), notes };
  } catch (err) {
    notes.push(`tfjs-node unavailable: ${firstLine(err)}`);
  }
  const tf = require("@tensorflow/tfjs") as Tf;
  try {
    const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof WasmBackend;
    wasm.setWasmPaths(`${join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), "/")}`);
    if (await tf.setBackend("wasm")) {
      await tf.ready();
      log(`tensorflow: backend wasm (@tensorflow/tfjs-backend-wasm; ${notes.join("; ")})`);
      return { tf, backend: "wasm", notes };
    }
    notes.push("wasm backend did not initialise");
  } catch (err) {
    notes.push(`wasm backend unavailable: ${firstLine(err)}`);
  }
  await tf.setBackend("cpu");
  await tf.ready();
  log(`tensorflow: backend cpu, the slow pure-JS fallback (${notes.join("; ")})`);
  return { tf, backend: "cpu", notes };
}

/** An error's first line, with absolute paths cut to their file name (the reason, not where this checkout lives). */
function firstLine(err: unknown): string {
  const line = (err instanceof Error ? err.message : String(err)).split("\n")[0];
  return line.replace(/\/(?:[^/\s]+\/)+([^/\s]+)/g, "$1").trim();
}
