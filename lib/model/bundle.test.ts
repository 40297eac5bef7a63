import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError, DataError, IntegrityError, PermissionError, SchemaError } from "../core/errors";
import { seeded } from "../core/random";
import { parseKddText } from "../datasets/loadKdd";
import { Mahalanobis } from "../detectors/mahalanobis";
import { makeBundle } from "../eval/trainBundle";
import { FeaturePipeline } from "../features/pipeline";
import { kddLine, officeRecord, type RecordValues } from "../testing/kddLines";
import { loadBundle, type ModelBundle, readBundle, saveBundle } from "./bundle";
import { BUNDLE_KEY_ENV, bundleKey, type BundleKey } from "./bundleKey";

const rng = seeded(5);
const normal = (): RecordValues => officeRecord(rng);

function toyBundle(): ModelBundle {
  const table = (n: number) =>
    parseKddText(Array.from({ length: n }, () => kddLine(normal())).join("\n")).table;
  const train = table(600);
  const pipeline = FeaturePipeline.fit(train);
  const X = pipeline.transform(train).X;
  const validation = pipeline.transform(table(300)).X;
  return makeBundle(
    pipeline,
    new Mahalanobis().fit(X),
    { train: X, validation },
    { benchmark: "toy", seed: 5, fpr: 0.01 },
  );
}

const bundle = toyBundle();
const dir = mkdtempSync(join(tmpdir(), "detective-bundle-"));
const KEY: BundleKey = { secret: "correct horse battery staple", keyId: "test-1" };
const OTHER: BundleKey = { secret: "another key of enough length" };

type BundleJson = {
  version: number;
  sha256: string;
  signature?: { alg: string; keyId?: string; value: string };
  content: { threshold: number };
};
const read = (path: string): BundleJson => JSON.parse(readFileSync(path, "utf8")) as BundleJson;
function write(name: string, file: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(file));
  return path;
}
/** What someone who edits a bundle without the key can do: change it and recompute its SHA-256. */
function tamper(file: BundleJson): BundleJson {
  const content = { ...file.content, threshold: file.content.threshold * 10 };
  return {
    ...file,
    content,
    sha256: createHash("sha256").update(JSON.stringify(content)).digest("hex"),
  };
}

test("a signed bundle loads verified with its key, unverified without one, and scores as saved", () => {
  const path = join(dir, "signed.json");
  saveBundle(bundle, path, { key: KEY });
  const file = read(path);
  assert.equal(file.version, 1, "signing keeps format version 1");
  assert.equal(file.signature?.alg, "HMAC-SHA-256");
  assert.equal(file.signature?.keyId, "test-1");
  assert.match(file.signature?.value ?? "", /^[0-9a-f]{64}$/);
  const verified = readBundle(path, { key: KEY });
  assert.equal(verified.signature, "verified");
  assert.equal(verified.keyId, "test-1");
  assert.equal(verified.bundle.threshold, bundle.threshold);
  const x = bundle.pipeline.transformRecord(parseKddText(kddLine(normal())).table.record(0));
  assert.equal(
    (verified.bundle.detector as Mahalanobis).scoreOne(x),
    (bundle.detector as Mahalanobis).scoreOne(x),
  );
  assert.equal(readBundle(path).signature, "unverified", "no key: integrity check only, reported");
  assert.equal(loadBundle(path).threshold, bundle.threshold);
});

test("with a key: a re-checksummed tampered bundle, a wrong key, an unsigned bundle are refused", () => {
  const path = join(dir, "signed2.json");
  saveBundle(bundle, path, { key: KEY });
  const tampered = write("tampered-signed.json", tamper(read(path)));
  assert.throws(
    () => loadBundle(tampered, { key: KEY }),
    (err: Error) =>
      err instanceof IntegrityError &&
      /signature does not verify.*changed after it was signed, or signed with another key.*Refusing/.test(
        err.message,
      ),
  );
  // Without a key only the checksum is checked, and the recomputed one matches: the loader says so.
  const unverified = readBundle(tampered);
  assert.equal(unverified.signature, "unverified");
  assert.equal(unverified.bundle.threshold, bundle.threshold * 10);

  assert.throws(() => loadBundle(path, { key: OTHER }), IntegrityError);
  const badValue = read(path);
  write("bad-value.json", { ...badValue, signature: { ...badValue.signature, value: "zz" } });
  assert.throws(() => loadBundle(join(dir, "bad-value.json"), { key: KEY }), /signature does not verify/);
  write("other-alg.json", { ...badValue, signature: { ...badValue.signature, alg: "none" } });
  assert.throws(
    () => loadBundle(join(dir, "other-alg.json"), { key: KEY }),
    /algorithm "none" is not supported/,
  );

  const unsigned = join(dir, "unsigned.json");
  saveBundle(bundle, unsigned);
  assert.equal(read(unsigned).signature, undefined);
  assert.equal(readBundle(unsigned).signature, "unsigned");
  assert.throws(
    () => loadBundle(unsigned, { key: KEY }),
    (err: Error) =>
      err instanceof IntegrityError && /is not signed, and a bundle key is configured/.test(err.message),
  );
});

test("integrity, version, format and file refusals (with or without a key)", () => {
  const path = join(dir, "plain.json");
  saveBundle(bundle, path);
  const file = read(path);
  const edited = write("edited.json", { ...file, content: { ...file.content, threshold: 1 } });
  for (const key of [undefined, KEY]) {
    assert.throws(
      () => loadBundle(edited, { key }),
      (err: Error) =>
        err instanceof IntegrityError &&
        err instanceof SchemaError &&
        /checksum does not match its content.*Refusing to load it/.test(err.message),
    );
  }
  assert.throws(
    () => loadBundle(write("future.json", { ...file, version: 99 })),
    /version 99, this monitor reads version 1.*detective train/,
  );
  assert.throws(
    () => loadBundle(write("other.json", { format: "something-else" })),
    /not a Detective model bundle/,
  );
  writeFileSync(join(dir, "cut.json"), readFileSync(path, "utf8").slice(0, 500));
  assert.throws(() => loadBundle(join(dir, "cut.json")), /cannot read it as JSON/);
  assert.throws(
    () => loadBundle(join(dir, "missing.json")),
    (err: Error) =>
      err instanceof DataError &&
      /missing\.json does not exist\. Make one with `detective train/.test(err.message),
  );
});

test("bundleKey: a private key file or the environment; loose permissions, short and missing keys refused", () => {
  assert.equal(bundleKey({ env: {} }), undefined, "no key configured");
  const fromEnv = bundleKey({ env: { [BUNDLE_KEY_ENV]: "0123456789abcdef" } });
  assert.equal(Buffer.from(fromEnv?.secret ?? "").toString(), "0123456789abcdef");
  assert.throws(() => bundleKey({ env: { [BUNDLE_KEY_ENV]: "short" } }), /is 5 bytes; use at least 16/);
  assert.throws(() => bundleKey({ env: { [BUNDLE_KEY_ENV]: "" } }), /is empty/);

  const keyFile = join(dir, "bundle.key");
  writeFileSync(keyFile, "a-secret-of-32-characters-long!!\n");
  chmodSync(keyFile, 0o600);
  const fromFile = bundleKey({ keyFile, env: { [BUNDLE_KEY_ENV]: "the environment's key, ignored" } });
  assert.equal(
    Buffer.from(fromFile?.secret ?? "").toString(),
    "a-secret-of-32-characters-long!!",
    "the line break is not part of the key",
  );
  // The key from the file signs and verifies, like the same secret given directly.
  const path = join(dir, "file-signed.json");
  saveBundle(bundle, path, { key: fromFile });
  assert.equal(
    readBundle(path, { key: { secret: "a-secret-of-32-characters-long!!" } }).signature,
    "verified",
  );

  if (process.platform !== "win32") {
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      chmodSync(keyFile, mode);
      assert.throws(
        () => bundleKey({ keyFile }),
        (err: Error) =>
          err instanceof PermissionError &&
          err.message.includes(`accessible by group or others (mode 0${mode.toString(8)})`) &&
          err.message.includes(`chmod 600 ${keyFile}`),
      );
    }
    chmodSync(keyFile, 0o400);
    assert.ok(bundleKey({ keyFile }), "owner read-only is private");
    // A symbolic link is refused (the check and the read are on the file opened, not a path).
    const link = join(dir, "link.key");
    symlinkSync(keyFile, link);
    assert.throws(
      () => bundleKey({ keyFile: link }),
      (err: Error) => err instanceof ConfigError && /symbolic link/.test(err.message),
    );
  }
  const shortFile = join(dir, "short.key");
  writeFileSync(shortFile, "tooshort\n", { mode: 0o600 });
  assert.throws(
    () => bundleKey({ keyFile: shortFile }),
    (err: Error) => err instanceof ConfigError && /is 8 bytes; use at least 16/.test(err.message),
  );
  assert.throws(
    () => bundleKey({ keyFile: join(dir, "nope.key") }),
    /nope\.key does not exist; make one with/,
  );
  assert.throws(() => bundleKey({ keyFile: dir }), /is not a regular file/);
  assert.throws(() => saveBundle(bundle, join(dir, "x.json"), { key: { secret: "short" } }), /at least 16/);
});
