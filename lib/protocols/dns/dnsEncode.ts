/**
 * DNS messages in wire format as the simulator sends them (moved here from the simulator so the
 * parser and the bytes it reads live together; the bytes are unchanged, the committed study
 * results depend on them): one question, and for a response its answers.
 */

/** DNS record types used here (RFC 1035, 3596). */
export const DNS_TYPE = { A: 1, TXT: 16, AAAA: 28 } as const;

/**
 * A DNS message in wire format: one question, and for a response the given answers (A records
 * as dotted quads, TXT records as strings of at most 255 bytes each) with time-to-live `ttl`
 * seconds (default 300).
 */
export function dnsMessage(
  id: number,
  name: string,
  type: number,
  answers?: readonly string[],
  ttl = 300,
): Uint8Array {
  const labels = name.split(".").filter(Boolean);
  const question: number[] = [];
  for (const label of labels) {
    if (label.length > 63) throw new RangeError(`DNS label longer than 63 bytes: ${label}`);
    question.push(label.length, ...Buffer.from(label, "latin1"));
  }
  question.push(0, type >> 8, type & 0xff, 0, 1); // root, QTYPE, QCLASS IN
  const answerBytes: number[] = [];
  for (const answer of answers ?? []) {
    const rdata =
      type === DNS_TYPE.A ? answer.split(".").map(Number) : [answer.length, ...Buffer.from(answer, "latin1")];
    // Name as a pointer to the question (offset 12), TYPE, CLASS IN, TTL, RDLENGTH, RDATA
    answerBytes.push(
      0xc0,
      0x0c,
      type >> 8,
      type & 0xff,
      0,
      1,
      (ttl >>> 24) & 0xff,
      (ttl >>> 16) & 0xff,
      (ttl >>> 8) & 0xff,
      ttl & 0xff,
      rdata.length >> 8,
      rdata.length & 0xff,
      ...rdata,
    );
  }
  const response = answers !== undefined;
  const header = [
    id >> 8,
    id & 0xff,
    response ? 0x81 : 0x01, // QR, RD
    response ? 0x80 : 0x00, // RA, NOERROR
    0,
    1,
    0,
    answers?.length ?? 0,
    0,
    0,
    0,
    0,
  ];
  return Uint8Array.from([...header, ...question, ...answerBytes]);
}
