/**
 * Reading a whole event log back (a triage script, a test, the dashboard's first load).
 */
import { readFileSync } from "node:fs";
import { InputError, systemError } from "../core/errors";
import type { DetectiveEvent } from "./event";
import { parseEvent } from "./parseEvent";

/** Options of `readEvents`. */
export interface ReadEventsOptions {
  /**
   * Skip a line that is not a valid event (a torn line `EventLog` kept after a crash, a line
   * another program wrote) instead of throwing; `onMalformed` hears of each. Default false.
   */
  skipMalformed?: boolean;
  /** Called with each skipped line's error (it names the file, the line number and what is wrong). */
  onMalformed?: (error: InputError) => void;
}

/**
 * Every event of a JSON-lines event log, in file order, each checked by `parseEvent`. Empty
 * lines are skipped. A malformed line (a torn last line that `EventLog` ended after a crash, a
 * cut final line) throws, or with `skipMalformed` is skipped and reported to `onMalformed`.
 * @throws InputError naming the file, the line number and the field for a malformed line (unless
 *   `skipMalformed`); PermissionError or IoError (naming the path) when the file cannot be read.
 * @example readEvents("alerts.jsonl", { skipMalformed: true }).filter((e) => e.type === "alert").length
 */
export function readEvents(path: string, options: ReadEventsOptions = {}): DetectiveEvent[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw systemError(err, "readEvents: cannot read the event log", path);
  }
  const events: DetectiveEvent[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === "") continue;
    try {
      events.push(parseEvent(lines[i], `${path} line ${i + 1}`));
    } catch (err) {
      if (!(options.skipMalformed && err instanceof InputError)) throw err;
      options.onMalformed?.(err);
    }
  }
  return events;
}
