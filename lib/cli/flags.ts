/**
 * The CLI's flag table: every command declares its flags once (name, kind of value, default, unit,
 * one line of help, required, mutually exclusive groups), and the same declaration parses the
 * command line and prints the usage. A flag the usage documents is therefore a flag the parser
 * accepts, and the other way round.
 */
import { OptionError } from "../core/errors";
import { parseDecimal } from "../sources/lines";

/**
 * A mistake on the command line (unknown command or flag, missing or invalid value): the CLI prints
 * its one-line message and exits with code 2.
 */
export class UsageError extends OptionError {}

/** What a flag's value is: `boolean` flags take no value; `list` is comma-separated. */
export type FlagKind = "string" | "number" | "integer" | "boolean" | "enum" | "list";

/** One flag of a command. */
export interface FlagSpec {
  /** The name without the leading `--`. */
  readonly name: string;
  readonly kind: FlagKind;
  /** One line of help. */
  readonly help: string;
  /** The value's placeholder in the usage (e.g. `FILE.pcap`); by default from the kind. */
  readonly value?: string;
  /** The value when the flag is not given (booleans: false). */
  readonly default?: string | number;
  /** How the usage shows a default computed elsewhere (e.g. `$DETECTIVE_DATA_MIRROR`). */
  readonly defaultText?: string;
  /** Unit of a number (e.g. `s`, `records/s`), shown after its default. */
  readonly unit?: string;
  /** Inclusive bounds of a number. */
  readonly min?: number;
  readonly max?: number;
  /** Exclusive bounds of a number (e.g. `--fpr` in (0, 1)). */
  readonly above?: number;
  readonly below?: number;
  /** The values of an `enum`, or the allowed items of a `list`. */
  readonly choices?: readonly string[];
  /** Words a number flag also accepts, and the number each stands for (e.g. `all` = Infinity). */
  readonly words?: Readonly<Record<string, number>>;
  readonly required?: boolean;
  /** The mutually exclusive group (see `CommandSpec.groups`) this flag belongs to. */
  readonly group?: string;
  /** The flag applies only together with one of these flags (e.g. `--speed` with `--pcap`). */
  readonly with?: readonly string[];
}

/** Flags of which at most one (exactly one when `required`) may be given, e.g. the monitor's source. */
export interface FlagGroup {
  readonly name: string;
  /** How the usage names the group, e.g. `SOURCE`. */
  readonly title: string;
  readonly required: boolean;
}

/** A command's declaration: what the usage prints and the parser accepts. */
export interface CommandSpec {
  readonly name: string;
  /** What the command does, in a few lines of usage text (no indentation). */
  readonly description: readonly string[];
  readonly flags: readonly FlagSpec[];
  readonly groups?: readonly FlagGroup[];
}

type FlagValue = string | number | boolean | readonly string[];

/** The parsed flags of one command line, with the table's defaults filled in. */
export class Flags {
  constructor(
    private readonly command: CommandSpec,
    private readonly values: ReadonlyMap<string, FlagValue>,
    /** The flags given on the command line (not filled from defaults). */
    readonly given: ReadonlySet<string>,
  ) {}

  /** Whether the flag was given on the command line. */
  has(name: string): boolean {
    this.spec(name);
    return this.given.has(name);
  }

  string(name: string): string | undefined {
    return this.get(name, ["string", "enum"]) as string | undefined;
  }

  /** A flag that the table marks required (or that has a default): its value, never undefined. */
  required(name: string): string {
    const v = this.string(name);
    if (v === undefined)
      throw new Error(`flag --${name} of ${this.command.name} has no value and no default`);
    return v;
  }

  number(name: string): number | undefined {
    return this.get(name, ["number", "integer"]) as number | undefined;
  }

  boolean(name: string): boolean {
    return (this.get(name, ["boolean"]) as boolean | undefined) ?? false;
  }

  list(name: string): readonly string[] | undefined {
    return this.get(name, ["list"]) as readonly string[] | undefined;
  }

  private get(name: string, kinds: readonly FlagKind[]): FlagValue | undefined {
    const spec = this.spec(name);
    // A programming error (the command reads a flag its table does not declare as such), not a user's.
    if (!kinds.includes(spec.kind))
      throw new Error(`flag --${name} is a ${spec.kind}, read as ${kinds.join("/")}`);
    return this.values.get(name);
  }

  private spec(name: string): FlagSpec {
    const spec = this.command.flags.find((f) => f.name === name);
    if (!spec) throw new Error(`${this.command.name} declares no flag --${name}`);
    return spec;
  }
}

/** The value's placeholder in the usage. */
export function placeholder(flag: FlagSpec): string {
  if (flag.value) return flag.value;
  switch (flag.kind) {
    case "enum":
      return (flag.choices ?? []).join("|");
    case "integer":
      return "N";
    case "number":
      return "X";
    case "list":
      return "A,B,...";
    default:
      return "VALUE";
  }
}

/** `--name VALUE` (booleans: `--name`). */
export function flagSynopsis(flag: FlagSpec): string {
  return flag.kind === "boolean" ? `--${flag.name}` : `--${flag.name} ${placeholder(flag)}`;
}

function rangeText(flag: FlagSpec): string | undefined {
  const lo =
    flag.above !== undefined ? `(${flag.above}` : flag.min !== undefined ? `[${flag.min}` : undefined;
  const hi =
    flag.below !== undefined ? `${flag.below})` : flag.max !== undefined ? `${flag.max}]` : undefined;
  if (lo && hi) return `in ${lo}, ${hi}`;
  if (flag.above !== undefined) return `> ${flag.above}`;
  if (flag.min !== undefined) return `>= ${flag.min}`;
  if (flag.below !== undefined) return `< ${flag.below}`;
  if (flag.max !== undefined) return `<= ${flag.max}`;
  return undefined;
}

function parseValue(command: CommandSpec, flag: FlagSpec, raw: string): FlagValue {
  const where = `${command.name} --${flag.name}`;
  switch (flag.kind) {
    case "number":
    case "integer": {
      const word = flag.words?.[raw];
      if (word !== undefined) return word;
      // Decimal only, the grammar of data lines: Number() would also take "0x50", " 8 " and "" (as 0).
      const n = parseDecimal(raw);
      const words = Object.keys(flag.words ?? {});
      const expected = `${flag.kind === "integer" ? "a whole number" : "a number"}${words.length ? ` or ${words.join(", ")}` : ""}`;
      if (!Number.isFinite(n) || (flag.kind === "integer" && !Number.isInteger(n))) {
        throw new UsageError(`${where} must be ${expected}, got "${raw}".`);
      }
      // An integer beyond 2^53 is not exact any more (9007199254740993 reads as ...992).
      if (flag.kind === "integer" && !Number.isSafeInteger(n)) {
        throw new UsageError(
          `${where} must be a whole number of at most 9,007,199,254,740,991 (2^53 - 1), got "${raw}".`,
        );
      }
      const outside =
        (flag.min !== undefined && n < flag.min) ||
        (flag.max !== undefined && n > flag.max) ||
        (flag.above !== undefined && n <= flag.above) ||
        (flag.below !== undefined && n >= flag.below);
      if (outside) throw new UsageError(`${where} must be ${rangeText(flag)}, got ${raw}.`);
      return n;
    }
    case "enum":
      if (!(flag.choices ?? []).includes(raw)) {
        throw new UsageError(`${where} must be one of ${(flag.choices ?? []).join(", ")}; got "${raw}".`);
      }
      return raw;
    case "list": {
      const items = raw
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      if (items.length === 0)
        throw new UsageError(`${where} needs at least one item (${placeholder(flag)}).`);
      const bad = flag.choices && items.filter((i) => !flag.choices?.includes(i));
      if (bad?.length) {
        throw new UsageError(
          `${where}: unknown item(s) ${bad.join(", ")}; choose from ${flag.choices?.join(", ")}.`,
        );
      }
      return items;
    }
    case "string":
      if (raw === "")
        throw new UsageError(`${where} needs a value (${placeholder(flag)}), got an empty one.`);
      return raw;
    case "boolean":
      if (raw === "true") return true;
      if (raw === "false") return false;
      throw new UsageError(`${where} takes no value (or =true, =false), got "${raw}".`);
  }
}

/**
 * Parses a command's arguments (`--flag value`, `--flag=value`, booleans bare) against its table:
 * unknown flags, repeated flags, missing and invalid values, missing required flags, conflicting
 * members of a group and flags given without the flag they apply to are `UsageError`s.
 */
export function parseFlags(command: CommandSpec, argv: readonly string[]): Flags {
  const values = new Map<string, FlagValue>();
  const given = new Set<string>();
  const known = (): string => command.flags.map((f) => `--${f.name}`).join(", ");
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith("--") || token === "--") {
      throw new UsageError(
        `${command.name}: unexpected argument "${token}"; it takes only flags: ${known()}.`,
      );
    }
    const eq = token.indexOf("=");
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : token.slice(eq + 1);
    const flag = command.flags.find((f) => f.name === name);
    if (!flag) {
      throw new UsageError(`${command.name}: unknown flag "--${name}"; it takes ${known()}.`);
    }
    if (given.has(name)) throw new UsageError(`${command.name}: --${name} is given twice; give it once.`);
    given.add(name);
    if (flag.kind === "boolean") {
      values.set(name, inline === undefined ? true : parseValue(command, flag, inline));
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        throw new UsageError(`${command.name}: --${name} needs a value (${placeholder(flag)}).`);
      }
      raw = next;
      i++;
    }
    values.set(name, parseValue(command, flag, raw));
  }
  for (const group of command.groups ?? []) {
    const members = command.flags.filter((f) => f.group === group.name);
    const chosen = members.filter((f) => given.has(f.name));
    const names = members.map((f) => `--${f.name}`).join(", ");
    if (chosen.length > 1) {
      throw new UsageError(
        `${command.name}: ${chosen.map((f) => `--${f.name}`).join(" and ")} cannot be used together; give one ${group.title} (${names}).`,
      );
    }
    if (group.required && chosen.length === 0) {
      throw new UsageError(`${command.name} needs one ${group.title}: ${names}.`);
    }
  }
  for (const flag of command.flags) {
    if (flag.required && !given.has(flag.name)) {
      throw new UsageError(`${command.name} needs ${flagSynopsis(flag)} (${flag.help}).`);
    }
    if (flag.with && given.has(flag.name) && !flag.with.some((w) => given.has(w))) {
      throw new UsageError(
        `${command.name}: --${flag.name} applies only with ${flag.with.map((w) => `--${w}`).join(" or ")}.`,
      );
    }
    if (!given.has(flag.name) && flag.default !== undefined) values.set(flag.name, flag.default);
  }
  return new Flags(command, values, given);
}

const FLAG_COLUMN = 34;

/** A flag's usage line: synopsis, help, and what the table knows (required, default and unit, range). */
function flagLine(flag: FlagSpec, indent: string): string {
  const notes: string[] = [];
  if (flag.required) notes.push("required");
  const def = flag.defaultText ?? (flag.default === undefined ? undefined : String(flag.default));
  if (def !== undefined) notes.push(`default ${def}${flag.unit ? ` ${flag.unit}` : ""}`);
  else if (flag.unit) notes.push(flag.unit);
  const range = rangeText(flag);
  if (range) notes.push(range);
  const head = `${indent}${flagSynopsis(flag)}`;
  const text = `${flag.help}${notes.length ? ` (${notes.join("; ")})` : ""}`;
  return head.length + 2 <= FLAG_COLUMN
    ? `${head.padEnd(FLAG_COLUMN)}${text}`
    : `${head}\n${" ".repeat(FLAG_COLUMN)}${text}`;
}

/** The usage of one command, from its table. */
export function commandUsage(command: CommandSpec): string {
  const required = command.flags.filter((f) => f.required).map(flagSynopsis);
  const groups = (command.groups ?? []).filter((g) => g.required).map((g) => g.title);
  const optional = command.flags.some((f) => !f.required) ? ["[flags]"] : [];
  const lines = [
    `  detective ${[command.name, ...required, ...groups, ...optional].join(" ")}`,
    ...command.description.map((l) => `      ${l}`),
  ];
  const headed = new Set<string>();
  // A flag that applies with another (`--speed` with `--pcap`) sits under it, indented one step more.
  const indentOf = (flag: FlagSpec): number => {
    const target = flag.with && command.flags.find((f) => f.name === flag.with?.[0]);
    return target ? indentOf(target) + 2 : flag.group ? 6 : 4;
  };
  for (const flag of command.flags) {
    const g = command.groups?.find((x) => x.name === flag.group);
    if (g && !headed.has(g.name)) {
      headed.add(g.name);
      lines.push(`    ${g.title}, ${g.required ? "exactly one of" : "at most one of"}:`);
    }
    lines.push(flagLine(flag, " ".repeat(indentOf(flag))));
  }
  return lines.join("\n");
}

/** The flags of a live capture through tshark (`monitor` and `logs`): the interface (in the SOURCE group), its filter and duration. */
export const LIVE_CAPTURE_FLAGS: readonly FlagSpec[] = [
  {
    name: "interface",
    kind: "string",
    value: "IF",
    group: "source",
    help: "live capture through tshark (root or CAP_NET_RAW)",
  },
  { name: "filter", kind: "string", value: "BPF", with: ["interface"], help: "capture filter" },
  {
    name: "duration",
    kind: "number",
    value: "SECONDS",
    unit: "s",
    above: 0,
    with: ["interface"],
    help: "stop the capture after",
  },
];

/**
 * `--seed`, shared by the commands that draw random numbers: 0 to 2^32 - 1, the seeds the
 * generator tells apart (it keeps a seed's low 32 bits, so 2^32 would silently repeat seed 0).
 */
export const SEED_FLAG: FlagSpec = {
  name: "seed",
  kind: "integer",
  default: 1,
  min: 0,
  max: 2 ** 32 - 1,
  help: "seed of every random choice",
};

/** Flags every command accepts, handled by the dispatcher before a command's table. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: "help", kind: "boolean", help: "print the usage (of the command, after one)" },
  { name: "version", kind: "boolean", help: "print Detective's version" },
  { name: "debug", kind: "boolean", help: "on an error, print its stack trace too" },
];

/** The whole usage: every command's, then the flags every command takes. */
export function programUsage(commands: readonly CommandSpec[]): string {
  return [
    "usage: detective COMMAND [flags]        (detective COMMAND --help: one command's usage)",
    ...commands.map(commandUsage),
    "  any command:",
    ...GLOBAL_FLAGS.map((f) => flagLine(f, "    ")),
  ].join("\n");
}

/** A command: its table, and what it does with the parsed flags (resolving to the exit code). */
export interface Command extends CommandSpec {
  run(flags: Flags): Promise<number>;
}
