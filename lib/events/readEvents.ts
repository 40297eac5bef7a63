/**
 * Reading a whole event log back (a triage script, a test, the dashboard's first load).
 */
import { readFileSync } from "node:fs";
import { systemError } from "../core/errors";
import type { DetectiveEvent } from "./event";
import { parseEvent } from "./parseEvent";

/**
 * Every event of a JSON-lines event log, in file order, each checked by `parseEvent`. Empty
 * lines are skipped; a last line without its newline (a write torn by a crash, which `EventLog`
 * repairs on open) is parsed like the others and fails if it is cut.
 * @throws InputError naming the file, the line number and the field for a malformed line;
 *   PermissionError or IoError (naming the path) when the file cannot be read.
 * @example readEvents("alerts.jsonl").filter((e) => e.type === "alert").length
 */
export function readEvents(path: string): DetectiveEvent[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw systemError(err, "readEvents: cannot read the event log", path);
  }
  const events: DetectiveEvent[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "") events.push(parseEvent(lines[i], `${path} line ${i + 1}`));
  }
  return events;
}
