/**
 * Events as one-line summaries on a terminal: what the monitor prints while it runs.
 */
import type { DetectiveEvent, EventType } from "./event";
import type { EventSink } from "./eventSink";
import { eventSummary } from "./summary";

/** Options of `ConsoleSink`. */
export interface ConsoleSinkOptions {
  /** Event types printed. Default: alerts and incidents (as the monitor printed before events). */
  types?: readonly EventType[];
  /** Print incident `update` lines too. Default false: a long flood prints its open and close only. */
  updates?: boolean;
  /** Where lines go. Default `console.log`. */
  print?: (line: string) => void;
}

/**
 * Prints each event it is given as one line (`eventSummary`): a connection alert as
 * `alertSummary`, a volume alert with "network", an incident's open and close as
 * `incident open incident-01J...: 10.0.0.5 IsolationForest, 1 alert(s), max score 0.7012`.
 * Give it the events written in full (the monitor's `sinks` are), so a flood prints a few lines.
 * @example new Monitor(bundle, { alerts: EventLog.open("alerts.jsonl"), sinks: [new ConsoleSink()] })
 */
export class ConsoleSink implements EventSink {
  private readonly types: ReadonlySet<EventType>;
  private readonly updates: boolean;
  private readonly print: (line: string) => void;

  constructor(options: ConsoleSinkOptions = {}) {
    this.types = new Set(options.types ?? ["alert", "incident"]);
    this.updates = options.updates ?? false;
    this.print = options.print ?? ((line) => console.log(line));
  }

  write(event: DetectiveEvent): void {
    if (!this.types.has(event.type)) return;
    if (event.type === "incident" && event.event === "update" && !this.updates) return;
    this.print(eventSummary(event));
  }

  /** Lines are printed as they come: nothing to flush. */
  flush(): void {}

  close(): void {}
}
