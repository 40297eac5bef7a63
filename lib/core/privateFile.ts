/**
 * Reading a secret from a file that must be private to its owner, as ssh requires of a private
 * key: a secret others can read is theirs too. Shared by the bundle key (`model/bundleKey.ts`) and
 * the socket source's shared secret (`detective monitor --secret-file`).
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { ConfigError, PermissionError, systemError } from "./errors";

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
 * this user, mode 0600 or stricter), so it cannot be swapped between the check and the read.
 * @throws ConfigError when the file is missing, a symbolic link or not a regular file;
 *   PermissionError when it is accessible by group or others, belongs to another user, or cannot
 *   be read. Each message names the file and the fix.
 * @example readPrivateFile("monitor.secret", { what: "secret file", content: "a shared secret", makeOne: "..." })
 */
export function readPrivateFile(path: string, names: PrivateFileNames): Buffer {
  const { what, content, makeOne } = names;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new ConfigError(`${what} ${path} does not exist; make one with \`${makeOne}\`.`);
    if (code === "ELOOP")
      throw new ConfigError(`${what} ${path} is a symbolic link; give the path of the file itself.`);
    throw systemError(err, `cannot open the ${what}`, path);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ConfigError(`${what} ${path} is not a regular file.`);
    const mode = st.mode & 0o777;
    // POSIX permissions only: Windows reports every file as 0o666 and has no getuid.
    if (process.platform !== "win32") {
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
    }
    let bytes = readFileSync(fd);
    if (bytes.at(-1) === 0x0a) bytes = bytes.subarray(0, bytes.length - (bytes.at(-2) === 0x0d ? 2 : 1));
    return bytes;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PermissionError) throw err;
    throw systemError(err, `cannot read the ${what}`, path);
  } finally {
    closeSync(fd);
  }
}
