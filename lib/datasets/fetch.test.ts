import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { ChecksumError, DataError } from "../core/errors";
import { kddLine } from "../testing/kddLines";
import { loadDataset } from "./datasets";
import { fetchDatasets, storedPath } from "./fetch";
import type { DatasetEntry, Manifest } from "./manifest";

const content = `${[kddLine({ src_bytes: 1 }), kddLine({ src_bytes: 2 }, "smurf"), kddLine()].join("\n")}\n`;
const sha = createHash("sha256").update(content).digest("hex");

function setup(entryOverrides: Partial<DatasetEntry> = {}) {
  const root = mkdtempSync(join(tmpdir(), "detective-fetch-"));
  const mirror = join(root, "mirror");
  const dir = join(root, "data");
  mkdirSync(join(mirror, "kdd99"), { recursive: true });
  mkdirSync(dir);
  const entry: DatasetEntry = {
    id: "tiny",
    title: "tiny",
    format: "kdd99",
    file: "kdd99/tiny.txt",
    url: "http://127.0.0.1:9/tiny.txt", // nothing listens on the discard port: refused at once
    origin: "test",
    rows: 3,
    contentSha256: sha,
    required: true,
    ...entryOverrides,
  };
  const manifest: Manifest = { datasets: [entry], generated: [] };
  writeFileSync(
    join(dir, "manifest.json"),
    JSON.stringify({ format: "detective-data-manifest", ...manifest }),
  );
  return { root, mirror, dir, manifest, entry };
}

describe("fetchDatasets", () => {
  test("copies from the mirror (gzip kept compressed), verifies, and skips verified files next time", async () => {
    const { mirror, dir, manifest, entry } = setup();
    writeFileSync(join(mirror, "kdd99", "tiny.txt.gz"), gzipSync(content));
    const log: string[] = [];
    const first = await fetchDatasets({ manifest, dir, mirror, log: (m) => log.push(m) });
    assert.equal(first[0].action, "copied");
    assert.equal(first[0].digest.rows, 3);
    assert.equal(first[0].digest.sha256, sha);
    assert.equal(storedPath(entry, dir), join(dir, "kdd99", "tiny.txt.gz"));
    const second = await fetchDatasets({ manifest, dir, mirror, log: (m) => log.push(m) });
    assert.equal(second[0].action, "verified");
    assert.match(log.at(-1) ?? "", /tiny ok .*verified/);
    assert.deepEqual(readdirSync(join(dir, "kdd99")), ["tiny.txt.gz"], "no temporary files left behind");
  });

  test("a mirror file with the wrong content is refused and never put in place", async () => {
    const { mirror, dir, manifest, entry } = setup();
    writeFileSync(join(mirror, "kdd99", "tiny.txt"), content.replace("smurf", "satan"));
    await assert.rejects(fetchDatasets({ manifest, dir, mirror, log: () => {} }), (err: Error) => {
      assert.ok(err instanceof ChecksumError);
      assert.match(err.message, new RegExp(`manifest expects ${sha}`));
      return true;
    });
    assert.equal(storedPath(entry, dir), undefined);
    assert.deepEqual(readdirSync(join(dir, "kdd99")), []);
  });

  test("a truncated file is caught by its row count", async () => {
    const { mirror, dir, manifest } = setup();
    writeFileSync(join(mirror, "kdd99", "tiny.txt"), content.split("\n").slice(0, 2).join("\n"));
    await assert.rejects(
      fetchDatasets({ manifest, dir, mirror, log: () => {} }),
      /2 rows, the manifest expects 3/,
    );
  });

  test("with neither upstream nor mirror, the error names the URL and how to use a mirror", async () => {
    const { dir, manifest } = setup();
    await assert.rejects(fetchDatasets({ manifest, dir, mirror: "", log: () => {} }), (err: Error) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, /could not get http:\/\/127\.0\.0\.1:9\/tiny\.txt/);
      assert.match(err.message, /DETECTIVE_DATA_MIRROR=\/path\/to\/mirror npm run fetch-data/);
      return true;
    });
  });

  test("a stored file that changed after verification is re-checked, set aside if bad, and replaced", async () => {
    const { mirror, dir, manifest, entry } = setup();
    writeFileSync(join(mirror, "kdd99", "tiny.txt"), content);
    await fetchDatasets({ manifest, dir, mirror, log: () => {} });
    const stored = storedPath(entry, dir) as string;
    writeFileSync(stored, content.replace("smurf", "satan")); // corrupted in place
    utimesSync(stored, new Date(), new Date(Date.now() + 5000));
    const log: string[] = [];
    const again = await fetchDatasets({ manifest, dir, mirror, log: (m) => log.push(m) });
    assert.equal(again[0].action, "copied");
    assert.ok(existsSync(`${stored}.rejected`));
    assert.ok(log.some((m) => /Moved aside/.test(m)));
  });

  test("an unpinned checksum still checks rows and reports the hash it computed", async () => {
    const { mirror, dir, manifest } = setup({ contentSha256: null });
    writeFileSync(join(mirror, "kdd99", "tiny.txt"), content);
    const log: string[] = [];
    await fetchDatasets({ manifest, dir, mirror, log: (m) => log.push(m) });
    assert.ok(log.some((m) => m.includes(sha) && /no checksum pinned/.test(m)));
  });
});

describe("loadDataset", () => {
  test("explains how to fetch a dataset that is missing or unverified", async () => {
    const { root, dir, mirror } = setup();
    const saved = process.env.DETECTIVE_ROOT;
    process.env.DETECTIVE_ROOT = root;
    try {
      await assert.rejects(loadDataset("tiny"), /is not in .*Run `npm run fetch-data`/);
      await assert.rejects(loadDataset("nope"), /unknown dataset "nope"; the manifest has tiny/);
      writeFileSync(join(mirror, "kdd99", "tiny.txt"), content);
      await fetchDatasets({ dir, mirror, log: () => {} });
      const { table } = await loadDataset("tiny");
      assert.equal(table.rows, 3);
      writeFileSync(join(dir, "kdd99", "tiny.txt"), content); // rewritten: no longer the verified file
      utimesSync(join(dir, "kdd99", "tiny.txt"), new Date(), new Date(Date.now() + 5000));
      await assert.rejects(
        loadDataset("tiny"),
        /has not been verified against the manifest, or changed since/,
      );
    } finally {
      if (saved === undefined) delete process.env.DETECTIVE_ROOT;
      else process.env.DETECTIVE_ROOT = saved;
    }
  });
});
