import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { deflateRawSync, gzipSync } from "node:zlib";
import type { Direction, Flow } from "../../flows/flowTable";
import type { ParserContext } from "../parser";
import { HTTP_MAX_INFLATE_OUTPUT_BYTES } from "./httpBody";
import type { HttpRecord } from "./httpLog";
import { HTTP_MAX_PENDING_REQUESTS, httpParser } from "./httpParser";
import { parseRequestLine, parseStatusLine } from "./httpRequestLine";
import { HTTP_MAX_LINE_BYTES, HttpStream, type HttpStreamOwner } from "./httpStream";

interface HandOver {
  name: string;
  dir: Direction | undefined;
  rest: string;
}

function context() {
  const records: HttpRecord[] = [];
  const malformed: string[] = [];
  const handOvers: HandOver[] = [];
  const flow = { uid: 7, proto: "tcp", dstPort: 80 } as Flow<unknown>;
  const ctx: ParserContext = {
    flow,
    emit: (r) => records.push(r as HttpRecord),
    malformed: (m) => malformed.push(m),
    handOver: (name, dir, rest) => {
      handOvers.push({ name, dir, rest: rest ? Buffer.from(rest).toString("latin1") : "" });
      return false;
    },
  };
  return { parser: httpParser.create(ctx), records, malformed, handOvers };
}
const b = (text: string): Uint8Array => Buffer.from(text, "latin1");
const GET = (path: string, extra = ""): string => `GET ${path} HTTP/1.1\r\nHost: example.com\r\n${extra}\r\n`;
const OK = (body: string, extra = ""): string =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

describe("HTTP requests and replies", () => {
  test("two pipelined requests in one segment, answered in order, each reply matched to its request", () => {
    const { parser, records, malformed } = context();
    parser.data("orig", b(GET("/a") + GET("/b", "User-Agent: curl/8\r\n")), 1);
    parser.data("resp", b(OK("first") + OK("second!")), 2);
    parser.end(3);
    assert.deepEqual(
      records.map((r) => [
        r.trans_depth,
        r.method,
        r.uri,
        r.host,
        r.user_agent,
        r.status_code,
        r.response_body_len,
      ]),
      [
        [1, "GET", "/a", "example.com", undefined, 200, 5],
        [2, "GET", "/b", "example.com", "curl/8", 200, 7],
      ],
    );
    assert.equal(records[0].version, "1.1");
    assert.equal(records[0].ts, 1); // the time of the request
    assert.deepEqual(malformed, []);
  });

  test("a request split across segments (inside its request line and inside a header)", () => {
    const { parser, records } = context();
    const text = GET("/split/path?q=1", "Referer: http://ref.example/\r\n");
    for (const piece of [text.slice(0, 9), text.slice(9, 30), text.slice(30, 31), text.slice(31)]) {
      parser.data("orig", b(piece), 1);
    }
    parser.data("resp", b(OK("x")), 2);
    parser.end(3);
    assert.equal(records.length, 1);
    assert.equal(records[0].uri, "/split/path?q=1");
    assert.equal(records[0].referrer, "http://ref.example/");
    assert.equal(records[0].host, "example.com");
  });

  test("a Content-Length body split over segments, with the next reply in the same segment as its end", () => {
    const { parser, records } = context();
    parser.data("orig", b(`POST /up HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123`), 1);
    parser.data("orig", b(`456789${GET("/next")}`), 2);
    parser.data("resp", b(`HTTP/1.1 201 Created\r\nContent-Length: 12\r\n\r\nabc`), 3);
    parser.data("resp", b(`defghijkl${OK("")}`), 4);
    parser.end(5);
    assert.deepEqual(
      records.map((r) => [r.method, r.request_body_len, r.status_code, r.status_msg, r.response_body_len]),
      [
        ["POST", 10, 201, "Created", 12],
        ["GET", 0, 200, "OK", 0],
      ],
    );
  });

  test("chunked bodies: chunk extensions ignored, trailers read, the length counts the data only", () => {
    const { parser, records, malformed } = context();
    parser.data("orig", b(GET("/c") + GET("/d")), 1);
    parser.data(
      "resp",
      b("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n1A\r\n"),
      2,
    );
    parser.data("resp", b(`${"z".repeat(26)}\r\n0\r\nX-Checksum: abc\r\nX-More: 1\r\n\r\n`), 3);
    parser.data("resp", b(OK("tail")), 4);
    parser.end(5);
    assert.deepEqual(
      records.map((r) => [r.uri, r.response_body_len]),
      [
        ["/c", 31],
        ["/d", 4],
      ],
    );
    assert.deepEqual(malformed, []);
  });

  test("replies to HEAD, and 204 and 304 replies, have no body even with a Content-Length", () => {
    const { parser, records } = context();
    parser.data(
      "orig",
      b(`HEAD / HTTP/1.1\r\nHost: h\r\n\r\n${GET("/cached")}${GET("/empty")}${GET("/x")}`),
      1,
    );
    parser.data(
      "resp",
      b(
        "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" +
          "HTTP/1.1 304 Not Modified\r\nContent-Length: 77\r\n\r\n" +
          "HTTP/1.1 204 No Content\r\n\r\n" +
          OK("body"),
      ),
      2,
    );
    parser.end(3);
    assert.deepEqual(
      records.map((r) => [r.method, r.uri, r.status_code, r.response_body_len]),
      [
        ["HEAD", "/", 200, 0],
        ["GET", "/cached", 304, 0],
        ["GET", "/empty", 204, 0],
        ["GET", "/x", 200, 4],
      ],
    );
  });

  test("a 1xx reply is kept as info_code in the record of the final reply", () => {
    const { parser, records } = context();
    parser.data("orig", b(`POST /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n`), 1);
    parser.data("resp", b("HTTP/1.1 100 Continue\r\n\r\n"), 2);
    parser.data("orig", b("abc"), 3);
    parser.data("resp", b(OK("done")), 4);
    parser.end(5);
    assert.equal(records.length, 1);
    const [r] = records;
    assert.deepEqual(
      [r.info_code, r.info_msg, r.status_code, r.request_body_len, r.response_body_len],
      [100, "Continue", 200, 3, 4],
    );
  });

  test("a body without length runs to the close; a gzip body counts its inflated bytes and is sniffed", () => {
    const { parser, records } = context();
    parser.data("orig", b(GET("/z") + GET("/close")), 1);
    const html = "<html><body>hello hello hello hello</body></html>";
    const packed = gzipSync(Buffer.from(html));
    parser.data(
      "resp",
      b(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${packed.length}\r\n\r\n`),
      2,
    );
    parser.data("resp", packed, 2);
    parser.data("resp", b("HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n\x89PNG\r\n\x1a\n"), 3);
    parser.data("resp", new Uint8Array(100), 4);
    parser.end(5);
    assert.deepEqual(
      records.map((r) => [r.uri, r.response_body_len, r.resp_mime_types]),
      [
        ["/z", html.length, ["text/html"]],
        ["/close", 108, ["image/png"]],
      ],
    );
  });

  test("deflate without its zlib header is inflated; a decompression bomb is bounded and counted", () => {
    const { parser, records, malformed } = context();
    parser.data("orig", b(GET("/raw") + GET("/bomb") + GET("/broken")), 1);
    const raw = deflateRawSync(Buffer.from("x".repeat(5000)));
    parser.data(
      "resp",
      b(`HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: ${raw.length}\r\n\r\n`),
      2,
    );
    parser.data("resp", raw, 2);
    const bomb = gzipSync(Buffer.alloc(HTTP_MAX_INFLATE_OUTPUT_BYTES * 2));
    parser.data(
      "resp",
      b(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`),
      3,
    );
    parser.data("resp", bomb, 3);
    parser.data("resp", b("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 6\r\n\r\nnot gz"), 4);
    parser.end(5);
    assert.deepEqual(
      records.map((r) => [r.uri, r.response_body_len]),
      [
        ["/raw", 5000],
        ["/bomb", HTTP_MAX_INFLATE_OUTPUT_BYTES],
        ["/broken", 6],
      ],
    );
    assert.deepEqual(malformed, ["inflated body too large", "bad compressed body"]);
  });

  test("a gap inside a body of known length is skipped and counted; a gap in a header ends the message", () => {
    const { parser, records, malformed } = context();
    parser.data("orig", b(GET("/gap") + GET("/after")), 1);
    parser.data("resp", b("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789"), 2);
    parser.gap("resp", 900);
    parser.data("resp", b(`${"y".repeat(90)}${OK("ok")}`), 3);
    assert.deepEqual(
      records.map((r) => [r.uri, r.response_body_len]),
      [
        ["/gap", 1000],
        ["/after", 2],
      ],
    );
    parser.data("orig", b("GET /third HTTP/1.1\r\nHo"), 4);
    parser.gap("orig", 50);
    parser.data("orig", b("st: lost\r\n\r\n"), 5);
    parser.data("resp", b(OK("ignored")), 6);
    parser.end(7);
    assert.deepEqual(malformed, ["content gap"]);
    assert.equal(records.length, 3);
    assert.deepEqual(
      [records[2].uri, records[2].host, records[2].status_code],
      ["/third", undefined, undefined],
    );
  });

  test("a header line longer than the bound is counted and skipped; memory stays bounded", () => {
    const { parser, records, malformed } = context();
    parser.data("orig", b("GET /long HTTP/1.1\r\nX-Big: "), 1);
    for (let i = 0; i < 100; i++) parser.data("orig", new Uint8Array(1000).fill(0x61), 1);
    parser.data("orig", b("\r\nHost: after.example\r\n\r\n"), 2);
    parser.data("resp", b(OK("")), 3);
    parser.end(4);
    assert.deepEqual(malformed, ["header line too long"]);
    assert.equal(records[0].host, "after.example");
    // The stream itself never holds more than the bound of an unfinished line.
    const owner: HttpStreamOwner = {
      startLine: () => true,
      header: () => undefined,
      headersDone: () => true,
      expectBody: () => "maybe",
      messageVersion: () => "1.1",
      connectionClose: () => false,
      replyCode: () => 0,
      messageDone: () => undefined,
      interrupted: () => undefined,
      malformed: () => undefined,
    };
    const stream = new HttpStream(true, owner);
    let most = 0;
    for (let i = 0; i < 100; i++) {
      stream.data(new Uint8Array(1000).fill(0x61), i);
      most = Math.max(most, stream.buffered);
    }
    assert.ok(most > 0 && most <= HTTP_MAX_LINE_BYTES, `held ${most}`);
  });

  test("endless pipelining without replies: the oldest requests are written out", () => {
    const { parser, records, malformed } = context();
    let text = "";
    for (let i = 0; i < HTTP_MAX_PENDING_REQUESTS + 5; i++) text += GET(`/${i}`);
    parser.data("orig", b(text), 1);
    assert.ok(records.length >= 4, `written early: ${records.length}`);
    assert.ok(malformed.includes("excessive pipelining"));
    parser.end(2);
    assert.equal(records.length, HTTP_MAX_PENDING_REQUESTS + 5);
    assert.deepEqual(
      records.slice(0, 2).map((r) => [r.uri, r.status_code]),
      [
        ["/0", undefined],
        ["/1", undefined],
      ],
    );
  });

  test("Basic credentials give the user name (the password only when capture is on); proxy headers are listed", () => {
    const { parser, records } = context();
    const auth = Buffer.from("alice:se:cret").toString("base64");
    parser.data(
      "orig",
      b(
        GET(
          "/",
          `Authorization: Basic  ${auth}\r\nVia: 1.1 squid\r\nX-Forwarded-For: 10.1.1.1\r\nOrigin: https://o.example\r\n`,
        ),
      ),
      1,
    );
    parser.data("resp", b(OK("")), 2);
    parser.end(3);
    const [r] = records;
    assert.equal(r.username, "alice");
    assert.equal(r.password, undefined);
    assert.equal(r.origin, "https://o.example");
    assert.deepEqual([...(r.proxied ?? [])].sort(), ["VIA -> 1.1 squid", "X-FORWARDED-FOR -> 10.1.1.1"]);
  });

  test("CONNECT: after the 200 the tunnel's bytes are handed to ssl", () => {
    const { parser, records, handOvers } = context();
    parser.data("orig", b("CONNECT secure.example:443 HTTP/1.1\r\nHost: secure.example:443\r\n\r\n"), 1);
    parser.data("resp", b("HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x01"), 2);
    assert.deepEqual(handOvers, [{ name: "ssl", dir: "resp", rest: "\x16\x03\x01" }]);
    assert.ok(parser.done);
    assert.deepEqual(
      records.map((r) => [r.method, r.uri, r.host, r.status_code, r.response_body_len]),
      [["CONNECT", "secure.example:443", "secure.example:443", 200, 0]],
    );
    parser.data("orig", b("\x16\x03\x01\x02\x00"), 3); // TLS, not parsed as HTTP
    parser.end(4);
    assert.equal(records.length, 1);
  });

  test("HTTP/0.9: a request without version and a raw reply up to the close", () => {
    const { parser, records } = context();
    parser.data("orig", b("GET /old.html\r\n\r\n"), 1);
    parser.data("resp", b("<html>old</html>\n"), 2);
    parser.end(3);
    assert.deepEqual(
      records.map((r) => [r.method, r.uri, r.version, r.status_code, r.status_msg, r.response_body_len]),
      [["GET", "/old.html", "0.9", 0, "<empty>", 17]],
    );
  });

  test("malformed input is counted by reason and parsing goes on where Zeek goes on", () => {
    const { parser, records, malformed } = context();
    // Not a request line before any request: that side stops, the reply is still read.
    parser.data("orig", b("\x00\x00 GET /x HTTP/1.1\r\nHost: a\r\n\r\n"), 1);
    parser.data("resp", b("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nBroken header line\r\n\r\nhi"), 2);
    parser.end(3);
    assert.deepEqual(malformed, ["bad request with version", "bad header line"]);
    assert.deepEqual(
      records.map((r) => [r.method, r.version, r.status_code, r.response_body_len]),
      [[undefined, "1.1", 200, 2]],
    );
  });

  test("cruft after a keep-alive request stops the analysis, as Zeek's violation does", () => {
    const { parser, records, malformed } = context();
    parser.data("orig", b(GET("/")), 1);
    parser.data("resp", b(OK("abc")), 2);
    parser.data("orig", b("T / HTTP\r\n\r\n"), 3);
    assert.ok(parser.done, "the flow's bytes are no longer wanted");
    parser.data("resp", b(OK("bad request")), 4);
    parser.end(5);
    assert.equal(records.length, 1);
    assert.deepEqual(malformed, ["bad request"]);
  });

  test("hostile input never throws", () => {
    const { parser } = context();
    let seed = 1;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 300; i++) {
      const n = Math.floor(rand() * 200);
      const junk = new Uint8Array(n);
      for (let j = 0; j < n; j++)
        junk[j] = rand() < 0.3 ? "HTTP/1.1 200\r\n:0-9 ".charCodeAt(j % 16) : rand() * 256;
      parser.data(rand() < 0.5 ? "orig" : "resp", junk, i);
      if (rand() < 0.05) parser.gap(rand() < 0.5 ? "orig" : "resp", Math.floor(rand() * 1000));
    }
    parser.end(1000);
  });
});

describe("HTTP start lines as Zeek reads them", () => {
  test("request lines", () => {
    assert.deepEqual(parseRequestLine("GET /a%20b HTTP/1.0"), {
      method: "GET",
      uri: "/a%20b",
      version: "1.0",
      missingUri: false,
    });
    assert.deepEqual(parseRequestLine("GET HTTP/1.1"), {
      method: "GET",
      uri: "",
      version: "1.1",
      missingUri: true,
    });
    assert.deepEqual(parseRequestLine("GET /x y z HTTP/1.1"), {
      method: "GET",
      uri: "/x y z",
      version: "1.1",
      missingUri: false,
    });
    assert.equal((parseRequestLine("GET /zeek.html") as { version: string }).version, "0.9");
    assert.equal(parseRequestLine("T / HTTP"), "bad request");
    assert.equal(parseRequestLine("\x00\x00 GET /txt HTTP/1.1"), "bad request with version");
  });

  test("status lines", () => {
    assert.deepEqual(parseStatusLine("HTTP/1.1 404 Not Found"), {
      version: "1.1",
      code: 404,
      reason: "Not Found",
    });
    assert.deepEqual(parseStatusLine("HTTP/1.0 200"), { version: "1.0", code: 200, reason: "<empty>" });
    assert.equal(parseStatusLine("<html>"), undefined);
  });
});
