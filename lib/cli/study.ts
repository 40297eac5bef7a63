/** `detective study`: the comparative study of the configuration, to a results file. */
import { runStudy, studyResultsPath, writeStudyResults } from "../eval/runStudy";
import { loadStudyConfig, resolveStudyConfig, studyConfigPath } from "../eval/studyConfig";
import type { Command } from "./flags";
import { checkOutputFile } from "./outputs";
import { elapsedClock } from "./progress";

/** `detective study`: its flags and what it runs. */
export const studyCommand: Command = {
  name: "study",
  description: [
    "Run the comparative study of the configuration: every detector on every benchmark and seed.",
    "Writes report/results/study.json (--quick: .cache/study-quick/results/study.json).",
  ],
  flags: [
    { name: "quick", kind: "boolean", help: "quick mode (fewer rows and seeds), into .cache/study-quick/" },
    {
      name: "config",
      kind: "string",
      value: "study.json",
      defaultText: "study.json",
      help: "the study's configuration",
    },
    { name: "out", kind: "string", value: "RESULTS.json", help: "where to write the results" },
  ],
  async run(flags) {
    const mode = flags.boolean("quick") ? "quick" : "full";
    const clock = elapsedClock();
    const config = resolveStudyConfig(loadStudyConfig(flags.string("config") ?? studyConfigPath()), mode);
    const out = flags.string("out") ?? studyResultsPath(mode);
    // A named results file is checked before the study runs (minutes), not when it is written.
    if (flags.has("out")) checkOutputFile("study --out", out);
    console.error(
      `study (${mode} mode): ${config.benchmarks.length} benchmarks x ${config.seeds.length} seeds x ${config.detectors.length} detectors, ` +
        `${config.series.detectors.length} series detectors`,
    );
    const results = await runStudy(config, {
      onProgress: (p) => console.error(`[study ${clock()}] (${p.step}/${p.steps}) ${p.message}`),
    });
    writeStudyResults(results, out);
    console.error(`[study ${clock()}] ${results.runs.length} runs -> ${out}`);
    return 0;
  },
};
