/**
 * The secret that signs and verifies model bundles (HMAC-SHA-256, see `model/bundle.ts`), from the
 * environment or a key file. A key file must be private to its owner, as ssh requires of a private
 * key: a key others can read signs bundles for them too.
 */
import { ConfigError } from "../core/errors";
import { readPrivateFile } from "../core/privateFile";

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
    const secret = readPrivateFile(keyFile, {
      what: "key file",
      content: "a signing key",
      makeOne: MAKE_ONE,
    });
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
