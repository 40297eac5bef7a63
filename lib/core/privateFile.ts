/**
 * Reading a secret from a file that must be private to its owner, as ssh requires of a private
 * key: a secret others can read is theirs too. Shared by the bundle key (`model/bundleKey.ts`) and
 * the socket source's shared secret (`detective monitor --secret-file`).
 */
import { PermissionError } from "./errors";
import { MAX_SECRET_FILE_BYTES, readInputFile } from "./inputFile";

/** How the messages of `readPrivateFile` name the file and its content. */
export interface PrivateFileNames {
  /** What the file is, e.g. "key file". */
  readonly what: string;
  /** What its content is, for the reason it must be private, e.g. "a signing key". */
  readonly content: string;
  /** A shell command that makes one, e.g. "(umask 077; openssl rand -hex 32 > bundle.key)". */
  readonly makeOne: string;
}

/**
 * A private file's bytes, without a trailing line break (`\n` or `\r\n`). The file is opened once,
 * without following a symbolic link, and checked on the open descriptor (a regular file, owned by
 * this user, mode 0600 or stricter), so it cannot be swapped between the check and the read. It is
 * opened without blocking (a FIFO is refused at once, never waited on) and read only when it is at
 * most `maxBytes` long (default `MAX_SECRET_FILE_BYTES`, 64 KiB).
 * @throws ConfigError when the file is missing, a symbolic link, not a regular file (a FIFO, a
 *   device, a folder) or larger than `maxBytes`;
 *   PermissionError when it is accessible by group or others, belongs to another user, or cannot
 *   be read. Each message names the file and the fix.
 * @example readPrivateFile("monitor.secret", { what: "secret file", content: "a shared secret", makeOne: "..." })
 */
export function readPrivateFile(
  path: string,
  names: PrivateFileNames,
  maxBytes: number = MAX_SECRET_FILE_BYTES,
): Buffer {
  const { what, content, makeOne } = names;
  let bytes = readInputFile(path, {
    what,
    maxBytes,
    noFollow: true,
    ifMissing: `make one with \`${makeOne}\`.`,
    check: (st) => {
      const mode = st.mode & 0o777;
      // POSIX permissions only: Windows reports every file as 0o666 and has no getuid.
      if (process.platform === "win32") return;
      if ((mode & 0o077) !== 0) {
        throw new PermissionError(
          `${what} ${path} is accessible by group or others (mode ${mode.toString(8).padStart(4, "0")}); ` +
            `${content} must be private: run \`chmod 600 ${path}\`.`,
          path,
          "EPERM",
        );
      }
      const uid = process.getuid?.();
      if (uid !== undefined && st.uid !== uid) {
        throw new PermissionError(
          `${what} ${path} belongs to user ${st.uid}, not to this user (${uid}); ${content} must be the user's own.`,
          path,
          "EPERM",
        );
      }
    },
  });
  if (bytes.at(-1) === 0x0a) bytes = bytes.subarray(0, bytes.length - (bytes.at(-2) === 0x0d ? 2 : 1));
  return bytes;
}
