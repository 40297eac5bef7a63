/**
 * Login outcome from encrypted packet sizes, as Zeek's SSH analyzer infers it (SSH.cc,
 * `ProcessEncrypted`): the payload is unreadable after NEWKEYS, but the server's replies have
 * telling sizes. Its first encrypted reply (after the client has sent encrypted data) is
 * SERVICE_ACCEPT and sets the yardstick; a reply 16 bytes shorter is USERAUTH_SUCCESS; the first
 * other reply is taken as the size of USERAUTH_FAILURE (unless it is much larger: a banner), and
 * each later reply of that size is one failed attempt. Lengths are per TCP segment, as Zeek sees
 * them. A brute-force tool reuses one connection for several passwords, so failures are counted
 * within the connection. Only SSH-2 is judged.
 */

/** SERVICE_ACCEPT minus USERAUTH_SUCCESS, encrypted: a reply this much shorter is a success (Zeek's 16). */
export const SSH_SUCCESS_SHRINK = 16;
/** A first reply this much larger than SERVICE_ACCEPT is a login banner, skipped once (Zeek's 256). */
export const SSH_BANNER_GROWTH = 256;

/** What an inference step concluded: an attempt (failed or successful), or nothing yet. */
export type AuthEvent = "failure" | "success" | undefined;

/** Zeek's packet-size state machine for one connection. */
export class SshAuthInference {
  private decided = false;
  private clientSentEncrypted = false;
  private serviceAcceptSize = 0;
  private failureSize = 0;
  private skippedBanner = false;

  /** True once a success was seen (Zeek stops looking then). */
  get decisionMade(): boolean {
    return this.decided;
  }

  /** One encrypted segment of `length` bytes from the client (`fromClient`) or the server. */
  segment(length: number, fromClient: boolean): AuthEvent {
    if (this.decided) return undefined;
    if (fromClient) {
      this.clientSentEncrypted = true;
      return undefined;
    }
    if (!this.clientSentEncrypted) return undefined;
    if (this.serviceAcceptSize === 0) {
      this.serviceAcceptSize = length;
      return undefined;
    }
    if (this.failureSize === 0 && length + SSH_SUCCESS_SHRINK === this.serviceAcceptSize) {
      this.decided = true;
      return "success";
    }
    if (this.failureSize === 0) {
      if (!this.skippedBanner && length - this.serviceAcceptSize > SSH_BANNER_GROWTH) {
        this.skippedBanner = true;
        return undefined;
      }
      this.failureSize = length;
      return undefined;
    }
    if (length === this.failureSize) return "failure";
    if (length - this.serviceAcceptSize === -SSH_SUCCESS_SHRINK) {
      this.decided = true;
      return "success";
    }
    return undefined;
  }
}
