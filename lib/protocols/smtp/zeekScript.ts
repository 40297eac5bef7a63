/**
 * SMTP settings from a Zeek script's `redef SMTP::...` lines (a site policy, or a regression
 * test's `test.zeek`): `max_invalid_mail_transactions`. Other lines are ignored.
 */
import type { SmtpOptions } from "./smtpParser";

/** The SMTP options a Zeek script sets (empty when it sets none). */
export function smtpOptionsFromZeekScript(script: string): SmtpOptions {
  const m = /^\s*redef\s+SMTP::max_invalid_mail_transactions\s*=\s*(\d+)\s*;/m.exec(script);
  return m ? { maxInvalidTransactions: Number(m[1]) } : {};
}
