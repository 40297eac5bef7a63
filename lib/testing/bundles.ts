/**
 * Model bundles for tests that run the monitor as a user would (the CLI, a fuzzing worker).
 */
import { join } from "node:path";
import { trainBundle } from "../eval/trainBundle";
import { saveBundle } from "../model/bundle";

/**
 * Trains and saves, as `dir/volume.json`, a bundle of the simulated benchmark with a volume watch
 * (ZScore on records, EwmaChart on 10 s traffic intervals: the watch a time jump used to freeze).
 * @returns the bundle's path.
 */
export async function saveVolumeWatchBundle(dir: string): Promise<string> {
  const bundle = await trainBundle({
    benchmark: "simulated",
    detector: "ZScore",
    seed: 1,
    series: { detector: "EwmaChart", intervalSeconds: 10 },
  });
  const path = join(dir, "volume.json");
  saveBundle(bundle, path);
  return path;
}
