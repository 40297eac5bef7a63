/**
 * Which pending command a reply answers, as Zeek decides it (base/protocols/ftp/utils-commands.zeek):
 * each pending command is scored by whether the reply code is one RFC 959 (and its extensions)
 * allow for it, and whether the command or its argument appear in the reply's message; the best
 * score wins, the oldest command on a tie.
 */

/** One command waiting for (or holding) its reply. */
export interface PendingCommand {
  readonly command: string;
  readonly arg: string;
  /** Order of arrival, from 1. */
  readonly seq: number;
  /** Time of the command. */
  readonly ts: number;
  /** The reply already moved the working directory (CWD, CDUP, PWD). */
  cwdConsumed: boolean;
}

/** Reply codes each command may get (Zeek's `FTP::cmd_reply_code`; 0 marks an unexpected pair Zeek lists). */
const REPLY_CODES: Readonly<Record<string, readonly number[]>> = {
  "<init>": [120, 220, 421, 0],
  "<missing>": [0],
  USER: [230, 331, 332, 421, 530, 500, 501],
  PASS: [230, 202, 332, 421, 530, 500, 501, 503],
  ACCT: [230, 202, 421, 530, 500, 501, 503],
  CWD: [250, 421, 500, 501, 502, 530, 550],
  CDUP: [200, 250, 421, 500, 501, 502, 530, 550],
  SMNT: [202, 250, 421, 500, 501, 502, 530, 550],
  REIN: [120, 220, 421, 500, 502],
  QUIT: [221, 500, 0],
  PORT: [200, 421, 500, 501, 530],
  PASV: [227, 421, 500, 501, 502, 530],
  MODE: [200, 421, 500, 501, 502, 504, 530],
  TYPE: [200, 421, 500, 501, 504, 530],
  STRU: [200, 421, 500, 501, 504, 530],
  ALLO: [200, 202, 421, 500, 501, 504, 530],
  REST: [200, 350, 421, 500, 501, 502, 530],
  STOR: [110, 125, 150, 226, 250, 421, 425, 426, 451, 551, 552, 532, 450, 452, 553, 500, 501, 530, 550],
  STOU: [110, 125, 150, 226, 250, 421, 425, 426, 451, 551, 552, 532, 450, 452, 553, 500, 501, 530, 550],
  RETR: [110, 125, 150, 226, 250, 421, 425, 426, 451, 450, 500, 501, 530, 550],
  LIST: [125, 150, 226, 250, 421, 425, 426, 451, 450, 500, 501, 502, 530, 550],
  NLST: [125, 150, 226, 250, 421, 425, 426, 451, 450, 500, 501, 502, 530, 550],
  APPE: [125, 150, 226, 250, 421, 425, 426, 451, 551, 552, 532, 450, 550, 452, 553, 500, 501, 502, 530],
  RNFR: [350, 421, 450, 550, 500, 501, 502, 530],
  RNTO: [250, 421, 532, 553, 500, 501, 502, 503, 530],
  DELE: [250, 421, 450, 550, 500, 501, 502, 530],
  RMD: [250, 421, 500, 501, 502, 530, 550],
  MKD: [257, 421, 500, 501, 502, 530, 550],
  PWD: [257, 421, 500, 501, 502, 550],
  ABOR: [225, 226, 421, 500, 501, 502],
  SYST: [215, 421, 500, 501, 502, 530],
  STAT: [211, 212, 213, 421, 450, 500, 501, 502, 530],
  HELP: [200, 211, 214, 421, 500, 501, 502],
  SITE: [200, 202, 214, 500, 501, 502, 530],
  NOOP: [200, 421, 500],
  LPRT: [500, 501, 521],
  FEAT: [211, 500, 502],
  OPTS: [200, 451, 501],
  EPSV: [229, 500, 501],
  EPRT: [200, 500, 501, 522],
  SIZE: [213, 500, 501, 550],
  MDTM: [213, 500, 501, 550],
  MLST: [150, 226, 250, 500, 501, 550],
  MLSD: [150, 226, 250, 500, 501, 550],
  CLNT: [200, 500],
  MACB: [200, 500, 550],
};

/** Whether `code` is a reply RFC 959 (or an extension) allows for `command`. */
export function expectedReply(command: string, code: number): boolean {
  return REPLY_CODES[command]?.includes(code) ?? false;
}

/** Zeek's `strstr(big, little) > 0`: an empty `little` is found too. */
function contains(big: string, little: string): boolean {
  return big.includes(little);
}

/**
 * The pending command `code`/`message` answers (Zeek's get_pending_cmd), or undefined when none is
 * pending. 500 (syntax error) suits every command.
 */
export function bestPending(
  pending: Iterable<PendingCommand>,
  code: number,
  message: string,
): PendingCommand | undefined {
  let best: PendingCommand | undefined;
  let bestScore = -1;
  for (const p of pending) {
    let score = 0;
    if (code === 500 || expectedReply(p.command, code)) score += 100;
    if (contains(message, p.command)) score += 20;
    if (contains(message, p.arg)) score += 10;
    if (score > bestScore || (score === bestScore && best !== undefined && best.seq > p.seq)) {
      best = p;
      bestScore = score;
    }
  }
  return best;
}
