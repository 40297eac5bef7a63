/**
 * Loading a manifest dataset by id: the notebooks' entry point to the data.
 */
import { DataError } from "../core/errors";
import { dataDir } from "../core/paths";
import { isVerified, storedPath } from "./fetch";
import { type LoadKddOptions, type LoadResult, loadKdd } from "./loadKdd";
import { datasetEntry } from "./manifest";

/**
 * Loads a fetched and verified dataset of the manifest.
 * @throws DataError when the file is missing or changed since it was verified (with the command
 *   to run), or when the loaded row count disagrees with the manifest.
 * @example const { table } = await loadDataset("kdd99-corrected"); table.rows // 311029
 */
export async function loadDataset(id: string, options: LoadKddOptions = {}): Promise<LoadResult> {
  const entry = datasetEntry(id);
  const dir = dataDir();
  const path = storedPath(entry, dir);
  if (!path) {
    throw new DataError(
      `dataset ${id} (${entry.file}) is not in ${dir}. Run \`npm run fetch-data\`` +
        `${entry.required ? "" : " -- --optional"} (or \`npm run study\`, which fetches what is missing).`,
    );
  }
  if (!(await isVerified(entry, path, dir))) {
    throw new DataError(
      `dataset ${id}: ${path} has not been verified against the manifest, or changed since. ` +
        "Run `npm run fetch-data` to verify it (a file that fails is replaced, never used).",
    );
  }
  const result = await loadKdd(path, { format: entry.format, expectedRows: entry.rows, ...options });
  const accounted = result.table.rows + result.report.rejected;
  if (accounted !== entry.rows) {
    throw new DataError(
      `dataset ${id}: ${result.table.rows} rows loaded + ${result.report.rejected} rejected = ${accounted}, ` +
        `the manifest says ${entry.rows}. Delete ${path} and run \`npm run fetch-data\`.`,
    );
  }
  return result;
}
