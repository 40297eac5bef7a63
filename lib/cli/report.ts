/** `detective report`: the report (Markdown, HTML, PDF, figures) from a results file, without re-running anything. */
import { join } from "node:path";
import { projectRoot } from "../core/paths";
import { readStudyResults, studyResultsPath } from "../eval/runStudy";
import { closeFigureRenderer } from "../plots/render";
import { writeReport } from "../report/write";
import type { Command } from "./flags";
import { checkOutputFolder } from "./outputs";
import { elapsedClock } from "./progress";

/** `detective report`: its flags and what it runs. */
export const reportCommand: Command = {
  name: "report",
  description: [
    "Build the report (report.md, report.html, report.pdf, figures/) from a results file, without",
    "re-running anything. Default: report/ from report/results/study.json (--quick: .cache/study-quick/).",
  ],
  flags: [
    { name: "quick", kind: "boolean", help: "the quick study's results, into .cache/study-quick/" },
    { name: "results", kind: "string", value: "RESULTS.json", help: "the results file to report" },
    { name: "out", kind: "string", value: "DIR", help: "the report's folder" },
    { name: "no-pdf", kind: "boolean", help: "skip the PDF" },
  ],
  async run(flags) {
    const quick = flags.boolean("quick");
    const clock = elapsedClock();
    if (flags.has("out")) checkOutputFolder("report --out", flags.required("out"));
    const results = readStudyResults(flags.string("results") ?? studyResultsPath(quick ? "quick" : "full"));
    const dir =
      flags.string("out") ??
      (quick ? join(projectRoot(), ".cache", "study-quick") : join(projectRoot(), "report"));
    try {
      const written = await writeReport(results, dir, {
        pdf: !flags.boolean("no-pdf"),
        onFigure: (name) => console.error(`[report ${clock()}] figure ${name}`),
      });
      console.error(
        `[report ${clock()}] ${written.figures.length} figures; ${written.markdown}, ${written.html}${written.pdf ? `, ${written.pdf}` : ""}`,
      );
    } finally {
      await closeFigureRenderer();
    }
    return 0;
  },
};
