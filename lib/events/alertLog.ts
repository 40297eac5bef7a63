/**
 * The former name of the JSON-lines event sink (`EventLog`), from when the log held alerts only.
 * Kept so code and notebooks that import `AlertLog` keep working; new code uses `EventLog`.
 */
import { EventLog, type EventLogOptions, type EventLogRecovery } from "./eventLog";

/** `EventLog` under its former name: the same class. */
export const AlertLog = EventLog;
/** `EventLog` under its former name. */
export type AlertLog = EventLog;
/** `EventLogOptions` under its former name. */
export type AlertLogOptions = EventLogOptions;
/** `EventLogRecovery` under its former name. */
export type AlertLogRecovery = EventLogRecovery;
