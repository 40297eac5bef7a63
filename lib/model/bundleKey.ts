/**
 * The secret that signs and verifies model bundles (HMAC-SHA-256, see `model/bundle.ts`), from the
 * environment or a key file. A key file must be private to its owner, as ssh requires of a private
 * key: a key others can read signs bundles for them too.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { ConfigError, PermissionError, systemError } from "../core/errors";

/** The environment variable that holds the bundle key itself (the secret, not a path). */
export const BUNDLE_KEY_ENV = "DETECTIVE_BUNDLE_KEY";
/** The shortest key accepted, in bytes: 16 (128 bits). `openssl rand -hex 32` gives 64. */
export const MIN_BUNDLE_KEY_BYTES = 16;

/** A bundle-signing key. */
export interface BundleKey {
  /** The secret's bytes, at least `MIN_BUNDLE_KEY_BYTES` long. */
  readonly secret: Uint8Array | string;
  /** A name for the key written beside signatures (not secret), for rotating keys. Default none. */
  readonly keyId?: string;
  /** Where the key came from, for messages (e.g. `$DETECTIVE_BUNDLE_KEY`). */
  readonly source?: string;
}

const MAKE_ONE = "(umask 077; openssl rand -hex 32 > bundle.key)";

/**
 * The key's bytes, checked for length.
 * @throws ConfigError for a key shorter than `MIN_BUNDLE_KEY_BYTES`.
 */
export function keyBytes(key: BundleKey): Buffer {
  const bytes = Buffer.from(key.secret);
  if (bytes.length < MIN_BUNDLE_KEY_BYTES) {
    throw new ConfigError(
      `bundle key${key.source ? ` from ${key.source}` : ""} is ${bytes.length === 0 ? "empty" : `${bytes.length} bytes`}; ` +
        `use at least ${MIN_BUNDLE_KEY_BYTES} random bytes, e.g. \`${MAKE_ONE}\`.`,
    );
  }
  return bytes;
}

/**
 * Resolves the bundle key: the key file when one is given, else `DETECTIVE_BUNDLE_KEY` of `env`
 * (default `process.env`), else none (bundles are neither signed nor verified).
 * A key file's trailing line break is not part of the key.
 * @throws ConfigError when the key file is missing or not a regular file, or the key is shorter
 *   than 16 bytes; PermissionError when the file is accessible by group or others (`chmod 600`
 *   it), belongs to another user, or cannot be read.
 * @example const key = bundleKey({ keyFile: "bundle.key" }); saveBundle(bundle, "b.json", { key });
 */
export function bundleKey(
  options: { keyFile?: string; env?: Readonly<Record<string, string | undefined>> } = {},
): BundleKey | undefined {
  const { keyFile } = options;
  if (keyFile !== undefined) {
    const secret = readKeyFile(keyFile);
    const key = { secret, source: `key file ${keyFile}` };
    keyBytes(key);
    return key;
  }
  const value = (options.env ?? process.env)[BUNDLE_KEY_ENV];
  if (value === undefined) return undefined;
  const key = { secret: value, source: `$${BUNDLE_KEY_ENV}` };
  keyBytes(key);
  return key;
}

/**
 * A key file's bytes, without a trailing line break. The file is opened once, without following a
 * symbolic link, and checked on the open descriptor (a regular file, owned by this user, mode
 * 0600 or stricter), so it cannot be swapped between the check and the read.
 */
function readKeyFile(keyFile: string): Buffer {
  let fd: number;
  try {
    fd = openSync(keyFile, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new ConfigError(`key file ${keyFile} does not exist; make one with \`${MAKE_ONE}\`.`);
    if (code === "ELOOP")
      throw new ConfigError(`key file ${keyFile} is a symbolic link; give the path of the file itself.`);
    throw systemError(err, "cannot open the key file", keyFile);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ConfigError(`key file ${keyFile} is not a regular file.`);
    const mode = st.mode & 0o777;
    // POSIX permissions only: Windows reports every file as 0o666 and has no getuid.
    if (process.platform !== "win32") {
      if ((mode & 0o077) !== 0) {
        throw new PermissionError(
          `key file ${keyFile} is accessible by group or others (mode ${mode.toString(8).padStart(4, "0")}); ` +
            `a signing key must be private: run \`chmod 600 ${keyFile}\`.`,
          keyFile,
          "EPERM",
        );
      }
      const uid = process.getuid?.();
      if (uid !== undefined && st.uid !== uid) {
        throw new PermissionError(
          `key file ${keyFile} belongs to user ${st.uid}, not to this user (${uid}); a signing key must be the user's own.`,
          keyFile,
          "EPERM",
        );
      }
    }
    let secret = readFileSync(fd);
    if (secret.at(-1) === 0x0a) secret = secret.subarray(0, secret.length - (secret.at(-2) === 0x0d ? 2 : 1));
    return secret;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PermissionError) throw err;
    throw systemError(err, "cannot read the key file", keyFile);
  } finally {
    closeSync(fd);
  }
}
