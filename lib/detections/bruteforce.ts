/**
 * Password guessing (Zeek's `detect-bruteforcing.zeek` for SSH and FTP): failed login attempts
 * from one host within an epoch, counted per attempt, not per connection. What counts as a failed
 * attempt, per protocol:
 * - SSH (`SSH::Password_Guessing`): the ssh log's `auth_attempts` of a session that did not succeed
 *   (less one when it did); a session whose outcome could not be inferred (no key exchange seen)
 *   counts as one attempt;
 * - FTP (`FTP::Bruteforcing`): a `PASS` answered 530;
 * - HTTP (`HTTP::Bruteforcing`): a request answered 401.
 * Thresholds: the largest count one host reached in the normal capture (people mistype) times
 * `BRUTEFORCE_MARGIN`, never below `BRUTEFORCE_MIN`.
 */
import type { Flow } from "../flows/flowTable";
import type { ProtocolRecord } from "../protocols/parser";
import {
  type Detection,
  type DetectionContext,
  type DetectionInfo,
  DETECTION_POINTS,
  learnedThreshold,
  MaxTracker,
  severityOf,
} from "./detection";
import { SumStats } from "./sumStats";

/** Epoch of the counts, seconds (Zeek's `SSH::guessing_timeout`, 30 minutes). */
export const BRUTEFORCE_EPOCH_SECONDS = 1800;
/** Failed attempts from one host per epoch at least. */
export const BRUTEFORCE_MIN = 20;
/** Learned thresholds are the normal capture's largest count times this. */
export const BRUTEFORCE_MARGIN = 2;

const SERVICES = {
  ssh: { note: "SSH::Password_Guessing", what: "failed SSH logins" },
  ftp: { note: "FTP::Bruteforcing", what: "failed FTP logins" },
  http: { note: "HTTP::Bruteforcing", what: "HTTP requests refused with 401" },
} as const;
type Service = keyof typeof SERVICES;

/** Failed attempts one protocol record stands for (0 when none). */
export function failedAttempts(r: ProtocolRecord): number {
  const f = r as unknown as Record<string, unknown>;
  switch (r.protocol) {
    case "ssh": {
      const attempts = typeof f.auth_attempts === "number" ? f.auth_attempts : 0;
      if (f.auth_success === true) return Math.max(0, attempts - 1);
      if (f.auth_success === false) return Math.max(1, attempts);
      return 1; // outcome unknown: at least the one attempt the connection was for
    }
    case "ftp":
      return f.command === "PASS" && f.reply_code === 530 ? 1 : 0;
    case "http":
      return f.status_code === 401 ? 1 : 0;
    default:
      return 0;
  }
}

class BruteforceDetection implements Detection {
  readonly name = "bruteforce";
  private readonly stats = new Map<Service, SumStats>();
  private readonly limits = {} as Record<Service, number>;
  private readonly seen = new MaxTracker();

  constructor(private readonly ctx: DetectionContext) {
    const b = ctx.baseline ?? {};
    for (const service of Object.keys(SERVICES) as Service[]) {
      const { note, what } = SERVICES[service];
      const limit = learnedThreshold(BRUTEFORCE_MIN, b[`${service}Max`], BRUTEFORCE_MARGIN);
      this.limits[service] = limit;
      this.stats.set(
        service,
        new SumStats({
          epochSeconds: BRUTEFORCE_EPOCH_SECONDS,
          metric: (r) => r.sum,
          threshold: ctx.learning ? undefined : limit,
          onThreshold: (r, time) => {
            const severity = severityOf(r.sum, limit);
            const victims = r.samples.join(", ");
            ctx.raise({
              note,
              detector: this.name,
              time,
              firstSeen: r.first,
              host: r.key,
              role: "attacker",
              peer: r.samples[0],
              severity,
              points: DETECTION_POINTS[severity],
              message: `${r.key} made ${r.sum} ${what} on ${victims}${r.unique > r.samples.length ? " and others" : ""} in ${Math.max(1, r.last - r.first).toFixed(0)} s (threshold ${limit} per ${BRUTEFORCE_EPOCH_SECONDS / 60} minutes)`,
              facts: { failed: r.sum, servers: r.unique, threshold: limit },
            });
          },
          onEpochEnd: (r) => ctx.learning && this.seen.see(`${service}Max`, r.sum),
        }),
      );
    }
  }

  protocol(r: ProtocolRecord, flow: Readonly<Flow<unknown>>): void {
    const stats = this.stats.get(r.protocol as Service);
    if (!stats) return;
    const n = failedAttempts(r);
    if (n > 0) stats.observe(flow.src, r.ts, { value: n, text: flow.dst });
  }

  advance(time: number): void {
    for (const s of this.stats.values()) s.advance(time);
  }

  flush(): void {
    for (const s of this.stats.values()) s.flush();
  }

  baseline(): Record<string, number> {
    return this.seen.toJSON();
  }

  thresholds(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.limits).map(([k, v]) => [`${k}FailedLogins`, v]));
  }
}

export const bruteforceDetection: DetectionInfo = {
  name: "bruteforce",
  notes: Object.values(SERVICES).map((s) => s.note),
  description:
    "Failed logins from one host within 30 minutes, per attempt: SSH sessions that did not log in (attempts inferred from the encrypted packets), FTP PASS answered 530, HTTP 401.",
  create: (ctx) => new BruteforceDetection(ctx),
};
