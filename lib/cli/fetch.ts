/** `detective fetch`: download (or copy from a mirror) and verify the datasets; generate the simulated captures. */
import { fetchDatasets } from "../datasets/fetch";
import { ensureGenerated } from "../datasets/generated";
import type { Command } from "./flags";
import { progressPrinter } from "./progress";

/** `detective fetch`: its flags and what it runs. */
export const fetchCommand: Command = {
  name: "fetch",
  description: [
    "Download (or copy from an offline mirror) and verify the datasets of data/manifest.json.",
    "Also generates the simulated captures of the manifest when missing or made by an older simulator.",
  ],
  flags: [
    {
      name: "mirror",
      kind: "string",
      value: "DIR",
      defaultText: "$DETECTIVE_DATA_MIRROR",
      help: "read DIR/<file> or DIR/<file>.gz instead of the URL",
    },
    {
      name: "optional",
      kind: "boolean",
      help: "also fetch the optional datasets (full KDD99, full KDDTrain+)",
    },
    { name: "only", kind: "list", value: "ID,...", help: "only these datasets (see `detective datasets`)" },
  ],
  async run(flags) {
    const ids = flags.list("only");
    await fetchDatasets({
      mirror: flags.string("mirror"),
      includeOptional: flags.boolean("optional"),
      ids: ids?.filter((id) => !id.startsWith("sim-")),
      onProgress: progressPrinter(),
    });
    ensureGenerated({ ids: ids?.filter((id) => id.startsWith("sim-")) });
    return 0;
  },
};
