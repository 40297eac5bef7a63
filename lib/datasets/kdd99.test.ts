import assert from "node:assert/strict";
import { test } from "node:test";
import { SchemaError } from "../core/errors";
import { ATTACK_CATEGORY, attackCategory, KDD_FEATURES, kddFeature, normaliseLabel } from "./kdd99";

test("41 features: 3 symbolic, 4 binary flags, 34 continuous, unique names", () => {
  assert.equal(KDD_FEATURES.length, 41);
  const kinds = (k: string) => KDD_FEATURES.filter((f) => f.kind === k).map((f) => f.name);
  assert.deepEqual(kinds("symbolic"), ["protocol_type", "service", "flag"]);
  assert.deepEqual(kinds("binary"), ["land", "logged_in", "is_host_login", "is_guest_login"]);
  assert.equal(new Set(KDD_FEATURES.map((f) => f.name)).size, 41);
  assert.equal(KDD_FEATURES[0].name, "duration");
  assert.equal(KDD_FEATURES[40].name, "dst_host_srv_rerror_rate");
});

test("attack categories, with and without the trailing dot", () => {
  assert.equal(attackCategory("smurf."), "DoS");
  assert.equal(attackCategory("normal"), "normal");
  assert.equal(attackCategory("mscan"), "Probe");
  assert.equal(attackCategory("snmpgetattack"), "R2L");
  assert.equal(attackCategory("httptunnel"), "U2R");
  assert.equal(normaliseLabel("back."), "back");
  // 22 training attacks + 17 test-only attacks + normal + the simulator's 8 scenarios
  assert.equal(Object.keys(ATTACK_CATEGORY).length, 48);
  assert.equal(attackCategory("dns_tunnel"), "Data");
  assert.equal(attackCategory("ssh_bruteforce"), "R2L");
});

test("an unknown label or feature is an error that names it", () => {
  assert.throws(
    () => attackCategory("zeroday."),
    (e: Error) => e instanceof SchemaError && /"zeroday"/.test(e.message),
  );
  assert.throws(() => kddFeature("bytes"), /"bytes" is not one of the 41 KDD features/);
});
