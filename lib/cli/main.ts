#!/usr/bin/env node
/**
 * The `detective` command: `detective COMMAND [flags]`, one file per command (see `commands.ts`),
 * each with a flag table that parses its arguments and prints its usage (`flags.ts`).
 * Exit codes: 0 success, 2 a usage error (unknown command or flag, missing or invalid value),
 * 1 a failure while running. Errors print one line; `--debug` adds the stack trace.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DetectiveError, OptionError, systemError } from "../core/errors";
import { COMMANDS } from "./commands";
import { commandUsage, parseFlags, programUsage, UsageError } from "./flags";

/** Detective's version: the library package's (`lib/package.json`), from source or from `lib/dist`. */
export function detectiveVersion(): string {
  for (const path of [join(__dirname, "..", "package.json"), join(__dirname, "..", "..", "package.json")]) {
    try {
      const pkg = JSON.parse(readFileSync(path, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "@detective/lib" && pkg.version) return pkg.version;
    } catch {
      // not this one: try the next candidate
    }
  }
  return "unknown";
}

/** Runs one command line (without `node` and the script) and resolves with the exit code. */
async function dispatch(args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  const wantsHelp = args.includes("--help") || args.includes("-h");
  if (name === undefined) {
    console.error(programUsage(COMMANDS));
    return 2;
  }
  if (name === "--version" || name === "-V" || (args.includes("--version") && !wantsHelp)) {
    console.log(detectiveVersion());
    return 0;
  }
  if (name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" ? rest[0] : undefined;
    const command = COMMANDS.find((c) => c.name === topic);
    if (topic !== undefined && !command) throw unknownCommand(topic);
    console.log(command ? `usage:\n${commandUsage(command)}` : programUsage(COMMANDS));
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw unknownCommand(name);
  if (wantsHelp) {
    console.log(`usage:\n${commandUsage(command)}`);
    return 0;
  }
  return command.run(parseFlags(command, rest));
}

function unknownCommand(name: string): UsageError {
  return new UsageError(
    `unknown command "${name}"; run \`detective help\` (commands: ${COMMANDS.map((c) => c.name).join(", ")}).`,
  );
}

/**
 * One line for an error, and the exit code: 2 for usage errors (bad flags or option values), 1 for
 * other failures. Detective's own errors carry their explanation; anything else is a bug, reported
 * as one line too, with the hint to re-run with `--debug` for its stack.
 */
export function reportError(thrown: unknown, debug: boolean): number {
  const err = machineError(thrown);
  const message = err instanceof Error ? err.message : String(err);
  const line = message.split("\n")[0];
  if (err instanceof DetectiveError) console.error(`detective: ${line}`);
  else
    console.error(
      `detective: unexpected error: ${line}${debug ? "" : " (run with --debug for the stack trace)"}`,
    );
  if (debug && err instanceof Error && err.stack) console.error(err.stack);
  return err instanceof OptionError ? 2 : 1;
}

/** After a command returns, the longest the process may linger (flushing output) before it exits. */
const EXIT_GRACE_MS = 1000;

/**
 * A Node.js system error that no command wrapped (a disk filling up while a file is written, a
 * folder removed meanwhile) is the machine's, not a bug: it becomes Detective's one-line
 * PermissionError or IoError naming the path and what to do. Anything else is returned as it is.
 */
function machineError(err: unknown): unknown {
  if (err instanceof DetectiveError || !(err instanceof Error)) return err;
  const { code, path, syscall } = err as NodeJS.ErrnoException;
  if (typeof code !== "string" || typeof path !== "string") return err;
  const wrapped = systemError(err, `cannot ${syscall ?? "use"}`, path);
  if (wrapped instanceof DetectiveError) wrapped.stack = `${wrapped.message}\n${err.stack ?? ""}`;
  return wrapped;
}

/** The whole command: `--debug`, anywhere, shows an error's stack trace. */
export async function main(argv: readonly string[]): Promise<number> {
  const debug = argv.includes("--debug") || argv.includes("--debug=true");
  try {
    const odd = argv.find((a) => a.startsWith("--debug=") && a !== "--debug=true" && a !== "--debug=false");
    if (odd) throw new UsageError(`--debug takes no value (or =true, =false), got "${odd.slice(8)}".`);
    return await dispatch(argv.filter((a) => !/^--debug(=true|=false)?$/.test(a)));
  } catch (err) {
    return reportError(err, debug);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // A command has returned: nothing may keep the process alive after it (a timer or socket left
    // behind by a failure would hold the monitor's locks forever). Unref'd, so a clean exit is not delayed.
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  });
}
