/**
 * Normal application traffic: DNS lookups, web browsing over HTTP, mail over SMTP, file
 * transfers over FTP (control and passive data connection), SSH administration, and ping.
 * Each function plays one session starting at `t`.
 */
import { type Rng, randomInt } from "../core/random";
import { ascii, ping, type SimContext, TcpConversation, udpExchange } from "./conversation";
import type { Host, Network } from "./network";

/** DNS record types used here (RFC 1035, 3596). */
export const DNS_TYPE = { A: 1, TXT: 16, AAAA: 28 } as const;

/**
 * A DNS message in wire format: one question, and for a response the given answers (A records
 * as dotted quads, TXT records as strings of at most 255 bytes each).
 */
export function dnsMessage(id: number, name: string, type: number, answers?: readonly string[]): Uint8Array {
  const labels = name.split(".").filter(Boolean);
  const question: number[] = [];
  for (const label of labels) {
    if (label.length > 63) throw new RangeError(`DNS label longer than 63 bytes: ${label}`);
    question.push(label.length, ...Buffer.from(label, "latin1"));
  }
  question.push(0, type >> 8, type & 0xff, 0, 1); // root, QTYPE, QCLASS IN
  const answerBytes: number[] = [];
  for (const answer of answers ?? []) {
    const rdata =
      type === DNS_TYPE.A ? answer.split(".").map(Number) : [answer.length, ...Buffer.from(answer, "latin1")];
    // Name as a pointer to the question (offset 12), TYPE, CLASS IN, TTL 300, RDLENGTH, RDATA
    answerBytes.push(
      0xc0,
      0x0c,
      type >> 8,
      type & 0xff,
      0,
      1,
      0,
      0,
      0x01,
      0x2c,
      rdata.length >> 8,
      rdata.length & 0xff,
      ...rdata,
    );
  }
  const response = answers !== undefined;
  const header = [
    id >> 8,
    id & 0xff,
    response ? 0x81 : 0x01, // QR, RD
    response ? 0x80 : 0x00, // RA, NOERROR
    0,
    1,
    0,
    answers?.length ?? 0,
    0,
    0,
    0,
    0,
  ];
  return Uint8Array.from([...header, ...question, ...answerBytes]);
}

/** A random element of a list. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[randomInt(rng, items.length)];
}

/** A log-normal draw with the given median and spread (sigma of the log), for sizes and durations. */
export function logNormal(rng: Rng, median: number, sigma: number): number {
  // Box-Muller from two uniforms
  const u = Math.max(rng(), 1e-12);
  const v = rng();
  return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

/** A DNS A lookup of `name` by `client`; returns when the answer arrived. */
export function dnsLookup(
  ctx: SimContext,
  net: Network,
  client: Host,
  name: string,
  answer: string,
  t: number,
  label?: string,
): number {
  const id = randomInt(ctx.rng, 65_536);
  const port = ctx.ephemeralPort(client);
  const cached = ctx.rng() < 0.7;
  // A cache miss costs the resolver a trip outside.
  const service = cached ? 0.0003 : 0.02 + ctx.rng() * 0.06;
  return udpExchange(
    ctx,
    client,
    net.servers.dns,
    port,
    53,
    t,
    dnsMessage(id, name, DNS_TYPE.A),
    dnsMessage(id, name, DNS_TYPE.A, [answer]),
    service,
    label,
  );
}

const PAGES = [
  "/",
  "/index.html",
  "/news",
  "/search?q=quarterly+report",
  "/static/app.js",
  "/static/style.css",
  "/img/logo.png",
  "/api/v1/items",
  "/wiki/Network_security",
  "/login",
];

/** Browsing: a DNS lookup, then one to four HTTP requests on a keep-alive connection. */
export function webSession(ctx: SimContext, net: Network, client: Host, t: number): void {
  const internal = ctx.rng() < 0.25;
  const server = internal ? net.servers.web : pick(ctx.rng, net.externalWeb);
  const hostName = internal ? "intranet.corp.example" : `www.${server.name}.example`;
  const ready = dnsLookup(ctx, net, client, hostName, server.address, t);
  const c = new TcpConversation(
    ctx,
    client,
    server,
    ctx.ephemeralPort(client),
    80,
    ready + 0.001,
  ).handshake();
  const requests = 1 + randomInt(ctx.rng, 4);
  for (let k = 0; k < requests; k++) {
    const path = pick(ctx.rng, PAGES);
    c.send(
      "client",
      ascii(
        `GET ${path} HTTP/1.1\r\nHost: ${hostName}\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n`,
      ),
      k === 0 ? 0 : 0.2 + ctx.rng() * 3,
    );
    const body = Math.round(logNormal(ctx.rng, 12_000, 1.2));
    const head = ascii(
      `HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: ${body}\r\n\r\n`,
    );
    const response = new Uint8Array(head.length + body);
    response.set(head);
    response.set(ctx.opaque(body), head.length);
    c.send("server", response, 0.002 + ctx.rng() * 0.05);
  }
  c.wait(0.5 + ctx.rng() * 5);
  // Browsers abort some keep-alive connections with a RST instead of closing them (a tab closed).
  if (ctx.rng() < WEB_RESET_SHARE) c.reset("client");
  else c.close("client");
}

/** Share of web sessions the browser ends with a RST. */
const WEB_RESET_SHARE = 0.05;

/** A user sends mail through the relay; half the time the relay passes it on to an outside MX. */
export function mailSession(ctx: SimContext, net: Network, client: Host, t: number): void {
  const relay = net.servers.mail;
  const deliver = (from: Host, to: Host, start: number, helo: string): number => {
    const c = new TcpConversation(ctx, from, to, ctx.ephemeralPort(from), 25, start).handshake();
    const body = Math.round(logNormal(ctx.rng, 4_000, 1.0));
    c.send("server", ascii("220 mail.example ESMTP Postfix\r\n"), 0.001)
      .send("client", ascii(`EHLO ${helo}\r\n`))
      .send("server", ascii("250-mail.example\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n"))
      .send("client", ascii("MAIL FROM:<user@corp.example>\r\n"))
      .send("server", ascii("250 2.1.0 Ok\r\n"))
      .send("client", ascii("RCPT TO:<partner@example.org>\r\n"))
      .send("server", ascii("250 2.1.5 Ok\r\n"))
      .send("client", ascii("DATA\r\n"))
      .send("server", ascii("354 End data with <CR><LF>.<CR><LF>\r\n"))
      .send("client", ctx.opaque(body))
      .send("client", ascii("\r\n.\r\n"))
      .send("server", ascii("250 2.0.0 Ok: queued\r\n"))
      .send("client", ascii("QUIT\r\n"))
      .send("server", ascii("221 2.0.0 Bye\r\n"))
      .close("server");
    return c.t;
  };
  const done = deliver(client, relay, t, `${client.name}.corp.example`);
  if (ctx.rng() < 0.5)
    deliver(relay, pick(ctx.rng, net.externalMail), done + 0.5 + ctx.rng() * 5, "mail.corp.example");
}

/** An FTP download: login, passive mode, RETR over a separate data connection, quit. */
export function ftpSession(ctx: SimContext, net: Network, client: Host, t: number): void {
  const server = net.servers.ftp;
  const c = new TcpConversation(ctx, client, server, ctx.ephemeralPort(client), 21, t).handshake();
  const dataPort = 40_000 + randomInt(ctx.rng, 10_000);
  c.send("server", ascii("220 (vsFTPd 3.0.3)\r\n"), 0.001)
    .send("client", ascii("USER alice\r\n"), 0.5)
    .send("server", ascii("331 Please specify the password.\r\n"))
    .send("client", ascii("PASS s3cret-pass\r\n"), 1)
    .send("server", ascii("230 Login successful.\r\n"))
    .send("client", ascii("TYPE I\r\n"))
    .send("server", ascii("200 Switching to Binary mode.\r\n"))
    .send("client", ascii("PASV\r\n"))
    .send("server", ascii(`227 Entering Passive Mode (10,0,0,21,${dataPort >> 8},${dataPort & 0xff}).\r\n`))
    .send("client", ascii("RETR reports/q3.pdf\r\n"));
  const size = Math.round(logNormal(ctx.rng, 150_000, 1.0));
  const data = new TcpConversation(
    ctx,
    client,
    server,
    ctx.ephemeralPort(client),
    dataPort,
    c.t + 0.001,
  ).handshake();
  c.send("server", ascii("150 Opening BINARY mode data connection.\r\n"));
  data.send("server", ctx.opaque(size)).close("server");
  c.t = Math.max(c.t, data.t);
  c.send("server", ascii("226 Transfer complete.\r\n"))
    .send("client", ascii("QUIT\r\n"), 0.5 + ctx.rng() * 3)
    .send("server", ascii("221 Goodbye.\r\n"))
    .close("client");
}

/** SSH banners and key exchange; returns the conversation ready for authentication. */
export function sshHandshake(
  ctx: SimContext,
  client: Host,
  server: Host,
  t: number,
  label?: string,
): TcpConversation {
  return new TcpConversation(ctx, client, server, ctx.ephemeralPort(client), 22, t, label)
    .handshake()
    .send("server", ascii("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"), 0.002)
    .send("client", ascii("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"))
    .send("client", ctx.opaque(1_400 + randomInt(ctx.rng, 200))) // KEXINIT
    .send("server", ctx.opaque(1_000 + randomInt(ctx.rng, 200)))
    .send("client", ctx.opaque(48)) // KEX_ECDH_INIT
    .send("server", ctx.opaque(560 + randomInt(ctx.rng, 80)), 0.003) // KEX_ECDH_REPLY + NEWKEYS
    .send("client", ctx.opaque(16)); // NEWKEYS
}

/** An administrator's interactive SSH session: login, keystrokes echoed, some output, logout. */
export function sshSession(ctx: SimContext, net: Network, client: Host, t: number): void {
  const c = sshHandshake(ctx, client, net.servers.ssh, t)
    .send("client", ctx.opaque(52)) // service request
    .send("server", ctx.opaque(52))
    .send("client", ctx.opaque(100), 2) // public-key authentication
    .send("server", ctx.opaque(36));
  const keystrokes = 20 + randomInt(ctx.rng, 200);
  for (let k = 0; k < keystrokes; k++) {
    c.send("client", ctx.opaque(36), 0.08 + ctx.rng() * 0.5).send("server", ctx.opaque(36));
    if (ctx.rng() < 0.05) c.send("server", ctx.opaque(Math.round(logNormal(ctx.rng, 2_000, 1))));
  }
  c.close("client");
}

/** Someone pings a server four times. */
export function pingSession(ctx: SimContext, net: Network, client: Host, t: number): void {
  const targets = [net.servers.web, net.servers.mail, net.servers.ftp, net.gateway];
  ping(ctx, client, pick(ctx.rng, targets), t, 4);
}

/** Sessions per workstation per busy hour (activity 1.0), by kind. */
export const NORMAL_SESSIONS_PER_HOUR = {
  web: 30,
  mail: 2,
  ftp: 0.5,
  ping: 0.5,
  dns: 6, // stand-alone lookups (software updates, mail clients, ...)
  ssh: 1.5, // administrators only
} as const;
