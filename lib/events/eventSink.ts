/**
 * Where events go. The JSON-lines file (`EventLog`) and the console (`ConsoleSink`) implement it
 * now; SQLite, a Redis stream and the dashboard will, so the monitor writes to any of them the
 * same way.
 */
import type { DetectiveEvent } from "./event";

/**
 * A destination for events. `write` must not block on I/O per event (buffer, and write in
 * `flush` or on a timer): the monitor calls it on its hot path.
 */
export interface EventSink {
  /** Takes one event; it reaches its destination by the next `flush()` (or the sink's own timer). */
  write(event: DetectiveEvent): void;
  /** Sends whatever is buffered to its destination. */
  flush(): void;
  /** Flushes and releases the destination; calling it again does nothing. */
  close(): void;
}
