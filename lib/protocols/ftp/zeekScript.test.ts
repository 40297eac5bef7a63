import assert from "node:assert/strict";
import { test } from "node:test";
import { ZEEK_LOGGED_COMMANDS } from "./ftpLog";
import { ftpOptionsFromZeekScript } from "./zeekScript";

test("a Zeek script's FTP redefs become parser options; other lines are ignored", () => {
  const o = ftpOptionsFromZeekScript(`# a test
@load base/protocols/ftp
redef FTP::logged_commands += { "USER", "PASS" };
redef FTP::max_arg_length = 13;
redef FTP::max_pending_commands = 5;
redef FTP::default_capture_password = T;
redef HTTP::max_pending = 3;
redef FTP::max_user_length = oops;
`);
  assert.deepEqual([...(o.loggedCommands ?? [])], [...ZEEK_LOGGED_COMMANDS, "USER", "PASS"]);
  assert.deepEqual(
    [o.maxArgLength, o.maxPendingCommands, o.capturePassword, o.maxUserLength],
    [13, 5, true, undefined],
  );
  assert.deepEqual(
    [...(ftpOptionsFromZeekScript('redef FTP::logged_commands = { "RETR" };').loggedCommands ?? [])],
    ["RETR"],
  );
  assert.deepEqual(ftpOptionsFromZeekScript("event zeek_init() {}"), {});
});
