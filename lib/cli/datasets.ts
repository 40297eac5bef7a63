/** `detective datasets`: the datasets of the manifest, one line each. */
import { readManifest } from "../datasets/manifest";
import type { Command } from "./flags";

/** `detective datasets`: no flags; lists the manifest. */
export const datasetsCommand: Command = {
  name: "datasets",
  description: ["List the datasets of the manifest (id, rows, required or optional, file)."],
  flags: [],
  async run() {
    const m = readManifest();
    for (const d of m.datasets) {
      console.log(
        `${d.id.padEnd(16)} ${String(d.rows).padStart(9)} rows  ${d.required ? "required" : "optional"}  ${d.file}`,
      );
    }
    for (const g of m.generated) console.log(`${g.id.padEnd(16)} generated: ${g.title} -> ${g.files.pcap}`);
    return 0;
  },
};
