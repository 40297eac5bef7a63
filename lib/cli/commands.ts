/**
 * Every `detective` command, in the order the usage lists them. A new command is a file with its
 * flag table and `run`, added here.
 */
import { datasetsCommand } from "./datasets";
import { fetchCommand } from "./fetch";
import { logsCommand } from "./logs";
import type { Command } from "./flags";
import { monitorCommand } from "./monitor";
import { reportCommand } from "./report";
import { simulateCommand } from "./simulate";
import { studyCommand } from "./study";
import { trainCommand } from "./train";

export const COMMANDS: readonly Command[] = [
  fetchCommand,
  datasetsCommand,
  simulateCommand,
  studyCommand,
  reportCommand,
  trainCommand,
  monitorCommand,
  logsCommand,
];
