/**
 * Where the project's folders are. The library is a workspace package at `<root>/lib`, so the
 * root is found by walking up to the folder that holds `data/manifest.json`; `DETECTIVE_ROOT`
 * overrides it (e.g. to run the built library against another checkout).
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { DataError } from "./errors";

/** The project root: the folder that holds `data/manifest.json`. */
export function projectRoot(): string {
  const fromEnv = process.env.DETECTIVE_ROOT;
  if (fromEnv) return resolve(fromEnv);
  for (const start of [__dirname, process.cwd()]) {
    let dir = resolve(start);
    for (;;) {
      if (existsSync(join(dir, "data", "manifest.json"))) return dir;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new DataError(
    `projectRoot: no data/manifest.json above ${__dirname} or ${process.cwd()}. ` +
      "Run from inside the Detective checkout, or set DETECTIVE_ROOT to it.",
  );
}

/** `<root>/data`, where datasets are stored. */
export function dataDir(): string {
  return join(projectRoot(), "data");
}
