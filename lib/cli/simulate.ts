/** `detective simulate`: a seeded office network's traffic, with chosen attacks, into a pcap and its labels. */
import { ATTACK_SCENARIOS, type AttackScenario, type AttackSpec, everyAttack } from "../simulate/attacks";
import { simulateTraffic } from "../simulate/simulate";
import { type Command, SEED_FLAG, UsageError } from "./flags";
import { stageOutputs } from "../core/outputFile";
import { checkOutputFile } from "./outputs";

/**
 * The shortest capture `--attacks every` fits in, in seconds: `everyAttack` gives each of the seven
 * timed scenarios a slot of at least 300 s (its test keeps this number in step).
 */
export const EVERY_ATTACK_MIN_SECONDS = 2100;

/** The longest capture `simulate` writes: a week (an office hour of the defaults is about 55 MB). */
export const MAX_DURATION_SECONDS = 7 * 24 * 3600;
/** The largest `--intensity`: a hundred times the office's normal session rates. */
export const MAX_INTENSITY = 100;

/** The labels file `simulateTraffic` writes beside the capture (its default). */
function labelsPathOf(pcap: string): string {
  return `${pcap.replace(/\.pcap$/, "")}.labels.json`;
}

/** Parses `--attacks`: none, every, or a list of SCENARIO@START+LENGTH (seconds). */
export function parseAttacks(text: string, durationSeconds: number): AttackSpec[] {
  if (text === "none") return [];
  if (text === "every") {
    if (durationSeconds < EVERY_ATTACK_MIN_SECONDS) {
      throw new UsageError(
        `simulate: --attacks every needs --duration ${EVERY_ATTACK_MIN_SECONDS} or more (seconds), got ${durationSeconds}; ` +
          "lengthen it, or choose windows (e.g. --attacks port_scan@60+120).",
      );
    }
    return everyAttack(durationSeconds);
  }
  return text.split(",").map((item) => {
    const m = /^([a-z0-9_]+)@(\d+(?:\.\d+)?)\+(\d+(?:\.\d+)?)$/.exec(item.trim());
    if (!m || !(ATTACK_SCENARIOS as readonly string[]).includes(m[1])) {
      throw new UsageError(
        `simulate --attacks: "${item}" is not none, every or SCENARIO@START+LENGTH with a scenario among ${ATTACK_SCENARIOS.join(", ")}.`,
      );
    }
    return { scenario: m[1] as AttackScenario, startSeconds: Number(m[2]), durationSeconds: Number(m[3]) };
  });
}

/** `detective simulate`: its flags and what it runs. */
export const simulateCommand: Command = {
  name: "simulate",
  description: [
    "Simulate enterprise traffic into a pcap file and FILE.labels.json (ground truth).",
    `Scenarios: ${ATTACK_SCENARIOS.join(", ")}.`,
    `--attacks every needs --duration ${EVERY_ATTACK_MIN_SECONDS} or more; chosen windows fit any duration,`,
    "e.g. --attacks port_scan@600+120,c2_beacon@0+3600 (START and LENGTH in seconds).",
  ],
  flags: [
    { name: "out", kind: "string", value: "FILE.pcap", required: true, help: "the capture to write" },
    { ...SEED_FLAG, help: "seed of every random choice; the same seed gives the same file" },
    {
      name: "start",
      kind: "string",
      value: "ISO-TIME",
      defaultText: "2026-03-02T08:00:00Z",
      help: "capture start (UTC)",
    },
    {
      name: "duration",
      kind: "number",
      value: "SECONDS",
      default: 3600,
      unit: "s",
      above: 0,
      max: MAX_DURATION_SECONDS,
      help: "capture length",
    },
    {
      name: "workstations",
      kind: "integer",
      default: 30,
      min: 1,
      max: 250,
      help: "workstations in 10.0.1.0/24",
    },
    {
      name: "intensity",
      kind: "number",
      default: 1,
      above: 0,
      max: MAX_INTENSITY,
      help: "scales every normal session rate",
    },
    {
      name: "attacks",
      kind: "string",
      value: "none|every|SCENARIO@START+LENGTH,...",
      default: "none",
      help: "attacks to inject",
    },
  ],
  async run(flags) {
    const durationSeconds = flags.number("duration") ?? 3600;
    const attacks = parseAttacks(flags.required("attacks"), durationSeconds);
    const out = flags.required("out");
    checkOutputFile("simulate --out", out);
    checkOutputFile("simulate: the labels file", labelsPathOf(out));
    const labels = labelsPathOf(out);
    // Written under temporary names in a private folder beside them, then renamed into place: a
    // link planted at either name is replaced, never written through, and a failed run leaves none.
    const result = stageOutputs([out, labels], "simulate --out", ([pcap, stagedLabels]) =>
      simulateTraffic(
        {
          seed: flags.number("seed") ?? 1,
          start: flags.string("start"),
          durationSeconds,
          workstations: flags.number("workstations"),
          intensity: flags.number("intensity"),
          attacks,
        },
        pcap,
        stagedLabels,
      ),
    );
    console.error(
      `simulate: ${result.packets.toLocaleString("en")} packets, ${(result.bytes / 1e6).toFixed(1)} MB -> ${out}; labels -> ${labels}`,
    );
    for (const w of result.windows) console.error(`  ${w.scenario}: ${w.description}`);
    return 0;
  },
};
