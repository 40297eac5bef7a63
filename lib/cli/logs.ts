/**
 * `detective logs`: a capture (a file, or live from an interface) into Zeek-style protocol logs,
 * as `zeek -r FILE` writes them: conn, dns, http, ssl, ssh, ftp, smtp and weird, tab-separated with
 * Zeek's header lines or JSON lines.
 */
import type { CaptureReport } from "../packets/capture";
import { readCapture } from "../packets/capture";
import { captureLive } from "../packets/tshark";
import { LOG_FORMATS, LogDirectory, type LogFormat } from "../protocols/logs/logDirectory";
import { ProtocolLogs } from "../protocols/logs/protocolLogs";
import { type Command, LIVE_CAPTURE_FLAGS } from "./flags";
import { captureNotes, nothingReadable, stopper } from "./monitor";
import { checkOutputFolder } from "./outputs";

/** `detective logs`: its flags (SOURCE: --pcap or --interface) and what it runs. */
export const logsCommand: Command = {
  name: "logs",
  description: [
    "Parse a capture into Zeek-style logs (conn, dns, http, ssl, ssh, ftp, smtp, weird) in a folder:",
    "TCP reassembled, each protocol found by port and by content, malformed input counted in weird.log.",
    "Ctrl-C ends a live capture; the logs of what was read are written.",
  ],
  groups: [{ name: "source", title: "SOURCE", required: true }],
  flags: [
    { name: "pcap", kind: "string", value: "FILE", group: "source", help: "a capture file (pcap or pcapng)" },
    ...LIVE_CAPTURE_FLAGS,
    {
      name: "out",
      kind: "string",
      value: "DIR",
      required: true,
      help: "folder of the logs (made if missing)",
    },
    {
      name: "format",
      kind: "enum",
      choices: LOG_FORMATS,
      default: "tsv",
      help: "tsv: Zeek's tab-separated logs; json: one JSON object per line",
    },
  ],
  async run(flags) {
    const out = flags.required("out");
    checkOutputFolder("logs --out", out);
    const folder = new LogDirectory(out, flags.required("format") as LogFormat);
    const logs = new ProtocolLogs(folder);
    const ac = new AbortController();
    // A second Ctrl-C: what was read is logged and the logs moved into place before the exit.
    const { onSignal, cancel } = stopper(
      ac,
      () => {
        try {
          logs.flush();
          folder.close();
        } finally {
          folder.abort(); // after a close, nothing is left to drop; after a failure, the staging goes
        }
      },
      undefined,
      "logs",
    );
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    let report: CaptureReport;
    const pcap = flags.string("pcap");
    try {
      if (pcap !== undefined) {
        report = await readCapture(pcap, (p) => logs.add(p), { signal: ac.signal });
      } else {
        const iface = flags.required("interface");
        report = await captureLive(
          {
            interface: iface,
            filter: flags.string("filter"),
            durationSeconds: flags.number("duration"),
            signal: ac.signal,
            onCapturing: () => console.error(`logs: capturing on ${iface} (Ctrl-C stops)`),
          },
          (p) => logs.add(p),
        );
      }
      logs.flush();
      if (pcap !== undefined && report.packets === 0 && !ac.signal.aborted)
        throw nothingReadable(pcap, report);
      folder.close();
    } catch (err) {
      folder.abort();
      throw err;
    } finally {
      cancel();
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
    }
    const written = Object.entries(logs.rows)
      .sort((a, b) => b[1] - a[1])
      .map(([path, n]) => `${path} ${n.toLocaleString("en")}`)
      .join(", ");
    console.error(
      `logs: ${report.packets.toLocaleString("en")} packets -> ${out}: ${written || "no records"}${captureNotes(report)}`,
    );
    const malformed = Object.entries(logs.stats.malformed).sort((a, b) => b[1] - a[1]);
    if (malformed.length > 0) {
      const top = malformed.slice(0, 5).map(([k, n]) => `${k} ${n}`);
      console.error(
        `logs: malformed input (in weird.log): ${top.join(", ")}${malformed.length > 5 ? ", ..." : ""}`,
      );
    }
    const r = logs.table.stats.reassembly;
    if (r.gaps > 0) {
      console.error(
        `logs: TCP reassembly: ${r.gaps} gaps (${r.gapBytes.toLocaleString("en")} bytes missed)` +
          (r.cutGaps > 0 ? `, ${r.cutGaps} of them cut by the memory bounds` : ""),
      );
    }
    return 0;
  },
};
