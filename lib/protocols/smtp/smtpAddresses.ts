/**
 * The address helpers of Zeek's SMTP script (base/utils/email.zeek, base/utils/addrs.zeek), so
 * the log's address fields come out as Zeek's: mail addresses out of MAIL/RCPT arguments, the
 * display-name parts of To/Cc headers, and IP addresses out of Received headers.
 */
import { isAddress } from "../../net/addressKind";

const EMAIL = /(^|[<,: \t])[^<,: \t@]+@[^>,; \t]+([>,; \t]|$)/g;
const EMAIL_PUNCTUATION = /[<>,:; \t]/g;

/** Mail addresses in `text`, in order (Zeek's `extract_email_addrs_vec`). */
export function emailAddresses(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(EMAIL)) out.push(m[0].replace(EMAIL_PUNCTUATION, ""));
  return out;
}

const MIME_ADDRESS = /("[^"]*")?[^,]+/g;

/** The comma-separated parts of a To or Cc header, display names kept (Zeek's `split_mime_email_addresses`). */
export function mimeAddresses(value: string): string[] {
  const out: string[] = [];
  for (const m of value.matchAll(MIME_ADDRESS)) {
    const part = m[0].trim();
    if (!out.includes(part)) out.push(part);
  }
  return out;
}

const IP_CANDIDATE =
  /(?:\d{1,3}\.){3}\d{1,3}|(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4})/g;
/** Character pairs that count as wrapping an address in a header (Zeek's `check_wrapping`). */
const WRAPS: readonly string[] = ["[]", "()", "{}", "  ", '""', "''", "<>"];

/**
 * IP addresses in `text` (Zeek's `extract_ip_addresses`); with `wrapped`, only those standing
 * alone or wrapped in brackets, parentheses, quotes or spaces.
 */
export function ipAddresses(text: string, wrapped = false): string[] {
  const out: string[] = [];
  const matches = [...text.matchAll(IP_CANDIDATE)];
  matches.forEach((m, i) => {
    const ip = m[0];
    if (!isAddress(ip)) return;
    if (!wrapped) {
      out.push(ip);
      return;
    }
    const start = m.index ?? 0;
    const before = text.slice(i > 0 ? (matches[i - 1].index ?? 0) + matches[i - 1][0].length : 0, start);
    const after = text.slice(start + ip.length, i + 1 < matches.length ? matches[i + 1].index : text.length);
    if (before === "" && after === "") out.push(ip);
    else if (before !== "" && after !== "" && WRAPS.includes(before[before.length - 1] + after[0]))
      out.push(ip);
  });
  return out;
}
