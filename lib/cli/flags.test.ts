import assert from "node:assert/strict";
import { test } from "node:test";
import { everyAttack } from "../simulate/attacks";
import { COMMANDS } from "./commands";
import {
  type Command,
  type CommandSpec,
  commandUsage,
  type FlagSpec,
  GLOBAL_FLAGS,
  parseFlags,
  programUsage,
  UsageError,
} from "./flags";
import { EVERY_ATTACK_MIN_SECONDS, parseAttacks } from "./simulate";

/** A value the flag accepts: its default, a choice, a number inside its range, or a word. */
function sample(flag: FlagSpec): string | undefined {
  switch (flag.kind) {
    case "boolean":
      return undefined;
    case "enum":
      return flag.choices?.[0];
    case "list":
      return flag.choices?.[0] ?? "a,b";
    case "number":
    case "integer":
      if (flag.default !== undefined) return String(flag.default);
      if (flag.min !== undefined) return String(flag.min);
      if (flag.above !== undefined) return String(flag.above + 1);
      return "1";
    default:
      return typeof flag.default === "string" ? flag.default : "x";
  }
}

const argvOf = (flag: FlagSpec): string[] => {
  const value = sample(flag);
  return value === undefined ? [`--${flag.name}`] : [`--${flag.name}`, value];
};

/** The smallest valid command line that includes `flag`: required flags, a group member, what it applies with. */
function lineWith(command: CommandSpec, flag: FlagSpec): string[] {
  const byName = (n: string): FlagSpec => command.flags.find((f) => f.name === n) as FlagSpec;
  const chosen = new Set<FlagSpec>([flag]);
  if (flag.with) chosen.add(byName(flag.with[0]));
  for (const f of command.flags) if (f.required) chosen.add(f);
  for (const g of command.groups ?? []) {
    const inGroup = [...chosen].some((f) => f.group === g.name);
    if (g.required && !inGroup) chosen.add(command.flags.find((f) => f.group === g.name) as FlagSpec);
  }
  return [...chosen].flatMap(argvOf);
}

test("every flag the usage prints parses, and every flag of a table is in the usage", () => {
  const usage = programUsage(COMMANDS);
  const globals = new Set(GLOBAL_FLAGS.map((f) => f.name));
  for (const command of COMMANDS) {
    const text = commandUsage(command);
    assert.ok(usage.includes(text), `${command.name}'s usage is part of the program's`);
    const printed = new Set([...text.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]));
    for (const name of printed) {
      const flag = command.flags.find((f) => f.name === name);
      assert.ok(
        flag || globals.has(name),
        `${command.name}'s usage mentions --${name}, which it does not accept`,
      );
      if (!flag) continue;
      const argv = lineWith(command, flag);
      const parsed = parseFlags(command, argv);
      assert.ok(parsed.has(name), `${command.name} ${argv.join(" ")}`);
    }
    for (const flag of command.flags) {
      assert.ok(printed.has(flag.name), `--${flag.name} of ${command.name} is in its usage`);
      assert.ok(flag.help.length > 0);
    }
    assert.throws(
      () => parseFlags(command, ["--no-such-flag"]),
      (err: Error) =>
        err instanceof UsageError &&
        err.message.includes('unknown flag "--no-such-flag"') &&
        command.flags.every((f) => err.message.includes(`--${f.name}`)),
    );
  }
  for (const flag of GLOBAL_FLAGS) assert.ok(usage.includes(`--${flag.name}`));
});

const toy: Command = {
  name: "toy",
  description: ["A command for the parser's tests."],
  groups: [{ name: "src", title: "SOURCE", required: true }],
  flags: [
    { name: "out", kind: "string", value: "FILE", required: true, help: "where" },
    { name: "fpr", kind: "number", default: 0.01, above: 0, below: 1, help: "rate" },
    { name: "port", kind: "integer", default: 9400, min: 1, max: 65535, help: "port" },
    { name: "every", kind: "integer", default: 10, min: 1, words: { all: Infinity }, help: "n" },
    { name: "mode", kind: "enum", choices: ["fast", "slow"], help: "mode" },
    { name: "only", kind: "list", choices: ["a", "b", "c"], help: "ids" },
    { name: "quiet", kind: "boolean", help: "hush" },
    { name: "pcap", kind: "string", group: "src", help: "file" },
    { name: "speed", kind: "number", above: 0, with: ["pcap"], help: "pace" },
    { name: "listen", kind: "enum", choices: ["tcp", "udp"], group: "src", help: "socket" },
  ],
  run: () => Promise.resolve(0),
};

test("parseFlags: --flag value and --flag=value, bare booleans, defaults, lists, words", () => {
  assert.equal(parseFlags(toy, ["--out", "o", "--pcap", "p", "--speed", "1e3"]).number("speed"), 1000);
  assert.equal(parseFlags(toy, ["--out", "o", "--pcap", "p", "--speed", ".5"]).number("speed"), 0.5);
  const f = parseFlags(toy, ["--out=a.json", "--pcap", "x.pcap", "--speed=2.5", "--quiet", "--only", "a,c"]);
  assert.equal(f.required("out"), "a.json");
  assert.equal(f.string("pcap"), "x.pcap");
  assert.equal(f.number("speed"), 2.5);
  assert.equal(f.boolean("quiet"), true);
  assert.deepEqual(f.list("only"), ["a", "c"]);
  assert.equal(f.number("fpr"), 0.01, "the table's default");
  assert.equal(f.has("fpr"), false, "a default is not 'given'");
  assert.equal(f.string("mode"), undefined);
  assert.equal(parseFlags(toy, ["--out", "o", "--pcap", "p"]).boolean("quiet"), false, "a boolean's default");
  assert.equal(
    parseFlags(toy, ["--out", "o", "--listen", "udp", "--every", "all"]).number("every"),
    Infinity,
  );
  assert.equal(parseFlags(toy, ["--out", "o", "--pcap", "p", "--quiet=false"]).boolean("quiet"), false);
  // A value that starts with -- is taken only when written with =: `--out --seed` is a missing value.
  assert.equal(parseFlags(toy, ["--out=--seed", "--pcap", "p"]).required("out"), "--seed");
  assert.equal(parseFlags(toy, ["--out", "-", "--pcap", "p"]).required("out"), "-");
});

test("parseFlags: each mistake is a UsageError naming the flag and what is expected", () => {
  const bad: [string[], RegExp][] = [
    [["--pcap", "p"], /toy needs --out FILE/],
    [["--out", "o"], /toy needs one SOURCE: --pcap, --listen/],
    [["--out", "o", "--pcap", "p", "--listen", "tcp"], /--pcap and --listen cannot be used together/],
    [["--out", "o", "--listen", "tcp", "--speed", "2"], /--speed applies only with --pcap/],
    [["--out", "o", "--pcap", "p", "--speed", "0"], /--speed must be > 0, got 0/],
    [["--out", "o", "--pcap", "p", "--speed", "fast"], /--speed must be a number, got "fast"/],
    [["--out", "o", "--pcap", "p", "--fpr", "1"], /--fpr must be in \(0, 1\), got 1/],
    [["--out", "o", "--pcap", "p", "--fpr", "NaN"], /--fpr must be a number/],
    [["--out", "o", "--pcap", "p", "--port", "70000"], /--port must be in \[1, 65535\], got 70000/],
    [["--out", "o", "--pcap", "p", "--port", "80.5"], /--port must be a whole number/],
    [["--out", "o", "--pcap", "p", "--port", "0x50"], /--port must be a whole number, got "0x50"/],
    [["--out", "o", "--pcap", "p", "--port", " 80"], /--port must be a whole number/],
    [
      ["--out", "o", "--pcap", "p", "--every", "9007199254740993"],
      /--every must be a whole number of at most 9,007,199,254,740,991/,
    ],
    [["--out", "o", "--pcap", "p", "--every", "1e400"], /--every must be a whole number or all, got "1e400"/],
    [["--out", "o", "--pcap", "p", "--speed", "Infinity"], /--speed must be a number/],
    [["--out", "o", "--pcap", "p", "--every", "some"], /--every must be a whole number or all, got "some"/],
    [["--out", "o", "--pcap", "p", "--mode", "medium"], /--mode must be one of fast, slow; got "medium"/],
    [["--out", "o", "--pcap", "p", "--only", "a,z"], /unknown item\(s\) z; choose from a, b, c/],
    [["--out", "o", "--pcap", "p", "--quiet=maybe"], /--quiet takes no value/],
    [["--out", "--pcap", "p"], /--out needs a value \(FILE\)/],
    [["--out", "o", "--pcap"], /--pcap needs a value/],
    [["--out=", "--pcap", "p"], /--out needs a value \(FILE\), got an empty one/],
    [["--out", "o", "--out", "p", "--pcap", "p"], /--out is given twice/],
    [["--out", "o", "--pcap", "p", "stray"], /unexpected argument "stray"/],
    [["--out", "o", "--pcap", "p", "--nope"], /unknown flag "--nope"; it takes --out, --fpr, --port/],
  ];
  for (const [argv, message] of bad) {
    assert.throws(
      () => parseFlags(toy, argv),
      (err: Error) => err instanceof UsageError && message.test(err.message) && !err.message.includes("\n"),
      argv.join(" "),
    );
  }
});

test("the usage shows required flags, the source group, defaults with units, ranges and dependent flags", () => {
  const text = commandUsage(toy);
  assert.match(text, /detective toy --out FILE SOURCE \[flags\]/);
  assert.match(text, /--fpr X +rate \(default 0\.01; in \(0, 1\)\)/);
  assert.match(text, /--port N +port \(default 9400; in \[1, 65535\]\)/);
  assert.match(text, /SOURCE, exactly one of:\n {6}--pcap VALUE +file\n {8}--speed X +pace \(> 0\)/);
});

test("--attacks every: the stated minimum is everyAttack's, and a shorter capture is a usage error", () => {
  assert.equal(everyAttack(EVERY_ATTACK_MIN_SECONDS).length, 8);
  assert.throws(() => everyAttack(EVERY_ATTACK_MIN_SECONDS - 1), RangeError);
  assert.throws(
    () => parseAttacks("every", 600),
    (err: Error) => err instanceof UsageError && /needs --duration 2100 or more.*got 600/.test(err.message),
  );
  assert.deepEqual(parseAttacks("port_scan@60+120", 600), [
    { scenario: "port_scan", startSeconds: 60, durationSeconds: 120 },
  ]);
  assert.throws(() => parseAttacks("port_scan@60", 600), /not none, every or SCENARIO@START\+LENGTH/);
  assert.deepEqual(parseAttacks("none", 600), []);
});
