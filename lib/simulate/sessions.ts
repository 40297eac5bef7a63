/**
 * Normal application traffic of the simulated office, one function per kind of session: web
 * browsing (HTTPS mostly, some plain HTTP) with the DNS lookups that precede it, cloud-storage
 * uploads, software updates, periodic pollers (telemetry, update checks, chat presence, cloud sync,
 * IMAP), NTP, mail (submission, IMAP, relaying in and out), FTP, SSH and SCP, and ping.
 * Each function plays one session starting at `t` (seconds since the epoch).
 */
import { type Rng, randomInt } from "../core/random";
import { type BulkContent, MSS, ping, type SimContext, TcpConversation, udpExchange } from "./conversation";
import type { Host, NamedHost, Network, Site } from "./network";
import { ntpPacket } from "./payloads";
import {
  tlsApplicationData,
  tlsClientFinished,
  tlsClientHello,
  tlsServerHello,
} from "../protocols/ssl/tlsEncode";
import { DNS_TYPE, dnsMessage } from "../protocols/dns/dnsEncode";
import { smtpCommand, smtpEndOfData, smtpReply } from "../protocols/smtp/smtpEncode";
import { sshBanner, sshEncryptedLength } from "../protocols/ssh/sshEncode";
import { httpGetRequest, httpResponseHead } from "../protocols/http/httpEncode";
import { ftpCommand, ftpPassiveReply, ftpReply, VSFTPD_REPLIES } from "../protocols/ftp/ftpEncode";

/** DNS messages are built beside the DNS parser (one wire format, one place); re-exported for the attacks. */
export { DNS_TYPE, dnsMessage } from "../protocols/dns/dnsEncode";

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

/** A log-normal size in bytes, clipped to [lo, hi]. */
function size(rng: Rng, median: number, sigma: number, lo: number, hi: number): number {
  return Math.round(Math.min(hi, Math.max(lo, logNormal(rng, median, sigma))));
}

/** An item of a list ranked by popularity: rank r is chosen with weight 1/r (Zipf's law). */
export function zipfPick<T>(rng: Rng, items: readonly T[]): T {
  let total = 0;
  for (let r = 1; r <= items.length; r++) total += 1 / r;
  let u = rng() * total;
  for (let r = 1; r <= items.length; r++) {
    u -= 1 / r;
    if (u < 0) return items[r - 1];
  }
  return items[items.length - 1];
}

/** Share of a resolver's answers served from its cache (the rest cost it a trip outside). An assumption. */
const RESOLVER_HIT_SHARE = 0.7;

/** A DNS query of `name` by `client` with the resolver's answers; returns when the answer arrived. */
export function dnsQuery(
  ctx: SimContext,
  net: Network,
  client: Host,
  name: string,
  type: number,
  answers: readonly string[],
  t: number,
  options: { ttl?: number; label?: string } = {},
): number {
  const id = randomInt(ctx.rng, 65_536);
  const port = ctx.ephemeralPort(client);
  // A cache miss costs the resolver a trip outside.
  const service = ctx.rng() < RESOLVER_HIT_SHARE ? 0.0003 : 0.02 + ctx.rng() * 0.06;
  return udpExchange(
    ctx,
    client,
    net.servers.dns,
    port,
    53,
    t,
    dnsMessage(id, name, type),
    dnsMessage(id, name, type, answers, options.ttl),
    service,
    options.label,
  );
}

/** A DNS A lookup of `name` by `client`, whatever its cache holds; returns when the answer arrived. */
export function dnsLookup(
  ctx: SimContext,
  net: Network,
  client: Host,
  name: string,
  answer: string,
  t: number,
  label?: string,
): number {
  return dnsQuery(ctx, net, client, name, DNS_TYPE.A, [answer], t, { label });
}

/**
 * The address of `server` as `client`'s stub resolver finds it: from its cache while the last
 * answer's TTL runs, else by a lookup (which refills the cache). Returns when the address is known.
 */
export function resolve(
  ctx: SimContext,
  net: Network,
  client: Host,
  server: NamedHost,
  t: number,
  label?: string,
): number {
  const key = `${client.address}|${server.hostName}`;
  if ((ctx.dnsCache.get(key) ?? -Infinity) > t) return t;
  const answered = dnsQuery(ctx, net, client, server.hostName, DNS_TYPE.A, [server.address], t, {
    ttl: server.ttl,
    label,
  });
  ctx.dnsCache.set(key, answered + server.ttl);
  return answered;
}

/** One request and its response in a TLS or HTTP connection: plaintext bytes each way. */
export interface Exchange {
  readonly up: number;
  readonly down: number;
  /** Seconds between the previous exchange (or the handshake) and the request. */
  readonly think?: number;
}

/** Share of HTTPS connections resumed with TLS 1.2 session tickets; the rest are full TLS 1.3 handshakes. An assumption. */
const TLS12_SHARE = 0.2;
/** Bytes of the TLS 1.3 server's encrypted certificate chain and Finished (log-normal median). */
const CERTIFICATE_FLIGHT_BYTES = 3_500;
/** Share of connections a client aborts with RST instead of closing (a tab closed). */
const RESET_SHARE = 0.05;

/**
 * An HTTPS (or other TLS) connection: TCP handshake, ClientHello with `serverName` as SNI, the
 * server's flight, the client's Finished, then each exchange as TLS application-data records, an
 * idle time and a close. Returns the time of its last frame.
 */
export function tlsConnection(
  ctx: SimContext,
  client: Host,
  server: Host,
  serverName: string,
  t: number,
  exchanges: readonly Exchange[],
  options: { port?: number; label?: string; idleSeconds?: number } = {},
): number {
  const rng = ctx.rng;
  const version = rng() < TLS12_SHARE ? "1.2" : "1.3";
  const c = new TcpConversation(
    ctx,
    client,
    server,
    ctx.ephemeralPort(client),
    options.port ?? 443,
    t,
    options.label,
  ).handshake();
  c.send("client", tlsClientHello(ctx, serverName)).send("server", tlsServerHello(ctx, version), 0.001);
  if (version === "1.3") {
    const flight = tlsApplicationData(ctx, size(rng, CERTIFICATE_FLIGHT_BYTES, 0.3, 1_500, 9_000));
    c.sendBulk("server", flight.bytes, 0, flight.content);
  }
  c.send("client", tlsClientFinished(ctx, version));
  for (const e of exchanges) {
    const up = tlsApplicationData(ctx, e.up);
    const down = tlsApplicationData(ctx, e.down);
    c.sendBulk("client", up.bytes, e.think ?? 0, up.content).sendBulk(
      "server",
      down.bytes,
      0.002 + rng() * 0.04,
      down.content,
    );
  }
  c.wait(options.idleSeconds ?? 0.2 + rng() * 10);
  if (rng() < RESET_SHARE) c.reset("client");
  else c.close("client");
  return c.t;
}

/** A plain HTTP/1.1 connection with keep-alive: `exchanges` GETs (or one POST) with their responses. */
export function httpConnection(
  ctx: SimContext,
  client: Host,
  server: Host,
  hostName: string,
  t: number,
  exchanges: readonly Exchange[],
  paths: readonly string[],
): number {
  const rng = ctx.rng;
  const c = new TcpConversation(ctx, client, server, ctx.ephemeralPort(client), 80, t).handshake();
  for (const e of exchanges) {
    const path = pick(rng, paths);
    c.send("client", httpGetRequest(path, hostName), e.think ?? 0);
    const head = httpResponseHead(e.down);
    // Captured whole: Wireshark reads an HTTP body cut by a snap length as broken header lines.
    const response = new Uint8Array(head.length + e.down);
    response.set(head);
    response.set(ctx.opaque(e.down), head.length);
    c.send("server", response, 0.002 + rng() * 0.05);
  }
  c.wait(0.5 + rng() * 5);
  if (rng() < RESET_SHARE) c.reset("client");
  else c.close("client");
  return c.t;
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

/** Sizes of web objects: log-normal bodies (Crovella and Bestavros 1997 found them heavy-tailed). */
const PAGE_BYTES = { median: 25_000, sigma: 1.0 };
const RESOURCE_BYTES = { median: 5_000, sigma: 1.3 };
const REQUEST_BYTES = { median: 600, sigma: 0.5 };
/** Share of page visits that also download a file, and its size (log-normal median and spread). */
const FILE_DOWNLOAD_SHARE = 0.01;
const FILE_DOWNLOAD_BYTES = { median: 1_000_000, sigma: 1.5, max: 200_000_000 };
/** Share of HTTPS sites whose certificate status the browser checks over OCSP (plain HTTP). */
const OCSP_SHARE = 0.1;
/** Share of visits that go to the intranet rather than outside. */
const INTRANET_SHARE = 0.2;

function objectExchanges(rng: Rng, n: number, first: { median: number; sigma: number }): Exchange[] {
  return Array.from({ length: n }, (_, k) => {
    const body = k === 0 ? first : RESOURCE_BYTES;
    return {
      up: size(rng, REQUEST_BYTES.median, REQUEST_BYTES.sigma, 200, 4_000),
      down: size(rng, body.median, body.sigma, 200, 20_000_000),
      think: k === 0 ? 0 : rng() < 0.8 ? 0.01 + rng() * 0.2 : 1 + rng() * 20,
    };
  });
}

/**
 * A page visit: the site's page over HTTPS (HTTP for the few plain sites) and its resources from
 * up to five shared third-party hosts, each after a lookup its client's cache did not answer.
 */
export function pageVisit(ctx: SimContext, net: Network, client: Host, t: number): void {
  const rng = ctx.rng;
  const site: Site | NamedHost = rng() < INTRANET_SHARE ? net.intranet : zipfPick(rng, net.sites);
  const plain = "plainHttp" in site && site.plainHttp;
  const ready = resolve(ctx, net, client, site, t);
  const requests = 1 + randomInt(rng, 4);
  const exchanges = objectExchanges(rng, requests, PAGE_BYTES);
  // File downloads come over HTTPS only (a plain-HTTP body is captured whole, see httpConnection).
  if (!plain && rng() < FILE_DOWNLOAD_SHARE) {
    exchanges.push({
      up: 700,
      down: size(rng, FILE_DOWNLOAD_BYTES.median, FILE_DOWNLOAD_BYTES.sigma, 50_000, FILE_DOWNLOAD_BYTES.max),
      think: 2 + rng() * 30,
    });
  }
  if (plain) {
    httpConnection(ctx, client, site, site.hostName, ready + 0.001, exchanges, PAGES);
    return;
  }
  tlsConnection(ctx, client, site, site.hostName, ready + 0.001, exchanges);
  if (rng() < OCSP_SHARE) {
    const ocsp = net.pollers.ocsp;
    const at = resolve(ctx, net, client, ocsp, ready + 0.002);
    httpConnection(ctx, client, ocsp, ocsp.hostName, at + 0.001, [{ up: 400, down: 1_500 }], ["/ocsp"]);
  }
  if (site === net.intranet) return;
  const third = randomInt(rng, 6);
  const used = new Set<NamedHost>();
  for (let k = 0; k < third; k++) {
    const cdn = zipfPick(rng, net.cdns);
    if (used.has(cdn)) continue;
    used.add(cdn);
    const at = resolve(ctx, net, client, cdn, ready + 0.05 + rng() * 0.4);
    tlsConnection(
      ctx,
      client,
      cdn,
      cdn.hostName,
      at + 0.001,
      objectExchanges(rng, 1 + randomInt(rng, 4), RESOURCE_BYTES),
    );
  }
}

/** A web application's background request: a small HTTPS exchange with a SaaS host. */
export function apiCall(ctx: SimContext, net: Network, client: Host, t: number): void {
  const rng = ctx.rng;
  const host = zipfPick(rng, net.saas);
  const ready = resolve(ctx, net, client, host, t);
  const calls = 1 + randomInt(rng, 3);
  const exchanges = Array.from({ length: calls }, (_, k) => ({
    up: size(rng, 1_000, 0.8, 150, 200_000),
    down: size(rng, 3_000, 1.0, 100, 2_000_000),
    think: k === 0 ? 0 : 0.5 + rng() * 5,
  }));
  tlsConnection(ctx, client, host, host.hostName, ready + 0.001, exchanges, { idleSeconds: 1 + rng() * 30 });
}

/**
 * Benign cloud-storage upload sizes: log-normal, median 1.5 MB, from 200 kB to 60 MB (documents,
 * photos, archives; an assumption in line with "a few hundred KB to tens of MB").
 */
export const UPLOAD_BYTES = { median: 1_500_000, sigma: 1.3, min: 200_000, max: 60_000_000 } as const;

/** An upload of `bytes` to a cloud-storage host over HTTPS (one PUT and its small answer). */
export function cloudUpload(
  ctx: SimContext,
  net: Network,
  client: Host,
  t: number,
  host: NamedHost = zipfPick(ctx.rng, net.cloud),
  bytes = size(ctx.rng, UPLOAD_BYTES.median, UPLOAD_BYTES.sigma, UPLOAD_BYTES.min, UPLOAD_BYTES.max),
  label?: string,
): number {
  const ready = resolve(ctx, net, client, host, t, label);
  return tlsConnection(
    ctx,
    client,
    host,
    host.hostName,
    ready + 0.001,
    [
      { up: 900, down: 400 }, // session and upload URL
      { up: bytes, down: 600, think: 0.05 },
    ],
    { label, idleSeconds: 0.1 + ctx.rng() * 2 },
  );
}

/** Software-update downloads: log-normal, median 25 MB, from 1 MB to 250 MB. An assumption. */
const UPDATE_BYTES = { median: 12_000_000, sigma: 1.0, min: 1_000_000, max: 250_000_000 };
/** Chance that an hourly update check finds something to download (most days one update or none). */
const UPDATE_AVAILABLE_SHARE = 0.03;

/** A benign periodic poller: its host and its small request and answer (log-normal medians, bytes). */
export interface Poller {
  readonly host: NamedHost;
  /** Period and jitter (a share of the period, uniform either way), seconds. */
  readonly periodSeconds: number;
  readonly jitter: number;
  readonly up: number;
  readonly down: number;
}

/**
 * The pollers of a workstation. Machine pollers run day and night: telemetry every 15 minutes and
 * an update check every hour. User pollers run while the user is logged in: chat presence every
 * minute, cloud sync every 5 minutes (for users who run them). Periods are assumptions typical of
 * such clients; the jitter keeps them from lining up.
 */
export function pollersOf(net: Network): { machine: Poller[]; chat: Poller; sync: Poller } {
  const p = net.pollers;
  return {
    machine: [
      { host: p.telemetry, periodSeconds: 900, jitter: 0.1, up: 2_500, down: 300 },
      { host: p.updateCheck, periodSeconds: 3_600, jitter: 0.05, up: 700, down: 1_200 },
    ],
    chat: { host: p.presence, periodSeconds: 60, jitter: 0.05, up: 400, down: 350 },
    sync: { host: p.sync, periodSeconds: 300, jitter: 0.2, up: 1_000, down: 2_000 },
  };
}

/** One poll: a lookup if the cache has expired and a short HTTPS exchange; an update check may download. */
export function poll(ctx: SimContext, net: Network, client: Host, poller: Poller, t: number): void {
  const rng = ctx.rng;
  const ready = resolve(ctx, net, client, poller.host, t);
  const exchanges: Exchange[] = [
    { up: size(rng, poller.up, 0.3, 100, 50_000), down: size(rng, poller.down, 0.3, 60, 50_000) },
  ];
  tlsConnection(ctx, client, poller.host, poller.host.hostName, ready + 0.001, exchanges, {
    idleSeconds: 0.05 + rng() * 0.5,
  });
  if (poller.host === net.pollers.updateCheck && rng() < UPDATE_AVAILABLE_SHARE) {
    const from = pick(rng, net.updates);
    const at = resolve(ctx, net, client, from, t + 2 + rng() * 60);
    tlsConnection(ctx, client, from, from.hostName, at + 0.001, [
      {
        up: 800,
        down: size(rng, UPDATE_BYTES.median, UPDATE_BYTES.sigma, UPDATE_BYTES.min, UPDATE_BYTES.max),
      },
    ]);
  }
}

/** A workstation's NTP client asks the internal time server (RFC 5905 client/server mode). */
export function ntpSync(ctx: SimContext, client: Host, server: Host, t: number, stratum: number): void {
  const reference = Uint8Array.of(...server.ip);
  const request = ntpPacket(ctx, "client", t);
  const port = client.inside && client.name === "timeserver" ? 123 : ctx.ephemeralPort(client);
  const received = t + Math.max(client.rtt, server.rtt) / 2;
  const reply = ntpPacket(ctx, "server", received + 0.00002, { transmit: t, received, stratum, reference });
  udpExchange(ctx, client, server, port, 123, t, request, reply, 0.00004);
}

/** The NTP poll interval, seconds: 2^10, ntpd's and chrony's longest default (maxpoll 10). */
export const NTP_POLL_SECONDS = 1024;

/** Mail submission over implicit TLS (port 465, RFC 8314): a message of log-normal size. */
export function mailSubmission(ctx: SimContext, net: Network, client: Host, t: number): number {
  const rng = ctx.rng;
  const message = size(rng, 20_000, 1.5, 1_000, 25_000_000);
  const done = tlsConnection(
    ctx,
    client,
    net.servers.mail,
    "mail.corp.example",
    t,
    [
      { up: 300, down: 400 }, // EHLO, AUTH
      { up: message, down: 100, think: 0.01 },
    ],
    { port: 465, idleSeconds: 0.05 },
  );
  return done;
}

/** An IMAP check over TLS (port 993): a small status exchange, sometimes fetching new messages. */
export function imapCheck(ctx: SimContext, net: Network, client: Host, t: number): void {
  const rng = ctx.rng;
  const exchanges: Exchange[] = [{ up: 200, down: 600 }];
  if (rng() < 0.4) exchanges.push({ up: 150, down: size(rng, 15_000, 1.5, 800, 20_000_000), think: 0.05 });
  tlsConnection(ctx, client, net.servers.mail, "mail.corp.example", t, exchanges, {
    port: 993,
    idleSeconds: 0.1 + rng() * 2,
  });
}

/** An SMTP delivery over port 25 from `from` to `to` (relay to MX, or MX to relay); returns its end. */
export function smtpDelivery(ctx: SimContext, from: Host, to: Host, t: number, helo: string): number {
  const c = new TcpConversation(ctx, from, to, ctx.ephemeralPort(from), 25, t).handshake();
  const body = size(ctx.rng, 12_000, 1.3, 600, 20_000_000);
  c.send("server", smtpReply(220, ["mail.example ESMTP Postfix"]), 0.001)
    .send("client", smtpCommand("EHLO", helo))
    .send("server", smtpReply(250, ["mail.example", "SIZE 26214400", "8BITMIME"]))
    .send("client", smtpCommand("MAIL", "FROM:<user@corp.example>"))
    .send("server", smtpReply(250, ["2.1.0 Ok"]))
    .send("client", smtpCommand("RCPT", "TO:<partner@example.org>"))
    .send("server", smtpReply(250, ["2.1.5 Ok"]))
    .send("client", smtpCommand("DATA"))
    .send("server", smtpReply(354, ["End data with <CR><LF>.<CR><LF>"]))
    .sendBulk("client", body)
    .send("client", smtpEndOfData())
    .send("server", smtpReply(250, ["2.0.0 Ok: queued"]))
    .send("client", smtpCommand("QUIT"))
    .send("server", smtpReply(221, ["2.0.0 Bye"]))
    .close("server");
  return c.t;
}

/** A user sends mail: submission to the server, which relays most of it to an outside exchanger. */
export function mailSession(ctx: SimContext, net: Network, client: Host, t: number): void {
  const done = mailSubmission(ctx, net, client, t);
  if (ctx.rng() < 0.6)
    smtpDelivery(
      ctx,
      net.servers.mail,
      pick(ctx.rng, net.externalMail),
      done + 0.5 + ctx.rng() * 5,
      "mail.corp.example",
    );
}

/**
 * Mail arriving from outside: the exchanger connects to the relay, which checks the sender's SPF
 * and DKIM records (TXT lookups, RFC 7208 and 6376) before accepting it.
 */
export function inboundMail(ctx: SimContext, net: Network, t: number): void {
  const rng = ctx.rng;
  const mx = pick(rng, net.externalMail);
  const domain = `${mx.name}.example.org`;
  const relay = net.servers.mail;
  let at = dnsQuery(ctx, net, relay, domain, DNS_TYPE.TXT, [`v=spf1 ip4:${mx.address} -all`], t, {
    ttl: 3600,
  });
  const key = `v=DKIM1; k=rsa; p=${Buffer.from(ctx.opaque(160)).toString("base64")}`;
  at = dnsQuery(ctx, net, relay, `selector1._domainkey.${domain}`, DNS_TYPE.TXT, [key], at + 0.001, {
    ttl: 3600,
  });
  smtpDelivery(ctx, mx, relay, at + 0.01, `${mx.name}.example.org`);
}

/** FTP users and passwords; `typo` a wrong first try (a mistyped password answered 530). */
const FTP_USERS = ["alice", "bob", "carol", "dave", "erin"];
/** Share of interactive logins (FTP, SSH with a password) whose first password is mistyped. An assumption. */
export const TYPO_SHARE = 0.08;

/** An FTP session: login (sometimes after a typo), passive mode, RETR or STOR over a data connection, quit. */
export function ftpSession(ctx: SimContext, net: Network, client: Host, t: number): void {
  const rng = ctx.rng;
  const server = net.servers.ftp;
  const user = pick(rng, FTP_USERS);
  const c = new TcpConversation(ctx, client, server, ctx.ephemeralPort(client), 21, t).handshake();
  c.send("server", ftpReply(220, VSFTPD_REPLIES.greeting), 0.001);
  if (rng() < TYPO_SHARE) {
    c.send("client", ftpCommand("USER", user), 0.5 + rng())
      .send("server", ftpReply(331, VSFTPD_REPLIES.password))
      .send("client", ftpCommand("PASS", "s3cret-pas"), 1 + rng() * 2)
      .send("server", ftpReply(530, VSFTPD_REPLIES.loginIncorrect), 1);
  }
  c.send("client", ftpCommand("USER", user), 0.5 + rng())
    .send("server", ftpReply(331, VSFTPD_REPLIES.password))
    .send("client", ftpCommand("PASS", "s3cret-pass"), 1 + rng() * 2)
    .send("server", ftpReply(230, VSFTPD_REPLIES.loginSuccessful))
    .send("client", ftpCommand("TYPE", "I"))
    .send("server", ftpReply(200, VSFTPD_REPLIES.binary));
  const transfers = 1 + randomInt(rng, 3);
  for (let k = 0; k < transfers; k++) {
    const dataPort = 40_000 + randomInt(rng, 10_000);
    const upload = !client.inside || rng() < 0.3;
    c.send("client", ftpCommand("PASV"), k === 0 ? 0 : 1 + rng() * 10).send(
      "server",
      ftpPassiveReply(server.address, dataPort),
    );
    c.send(
      "client",
      upload
        ? ftpCommand("STOR", `incoming/batch-${k + 1}.zip`)
        : ftpCommand("RETR", `reports/q${1 + k}.pdf`),
    );
    const bytes = size(rng, 300_000, 1.5, 2_000, 200_000_000);
    const data = new TcpConversation(
      ctx,
      client,
      server,
      ctx.ephemeralPort(client),
      dataPort,
      c.t + 0.001,
    ).handshake();
    c.send("server", ftpReply(150, VSFTPD_REPLIES.opening));
    data.sendBulk(upload ? "client" : "server", bytes).close(upload ? "client" : "server");
    c.t = Math.max(c.t, data.t);
    c.send("server", ftpReply(226, VSFTPD_REPLIES.transferComplete));
  }
  c.send("client", ftpCommand("QUIT"), 0.5 + rng() * 3)
    .send("server", ftpReply(221, VSFTPD_REPLIES.goodbye))
    .close("client");
}

/** The SSH software both ends of a simulated connection name in their banners (Debian 12's). */
const OPENSSH = "OpenSSH_9.2p1 Debian-2+deb12u3";

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
    .send("server", sshBanner(OPENSSH), 0.002)
    .send("client", sshBanner(OPENSSH))
    .send("client", ctx.opaque(1_400 + randomInt(ctx.rng, 200))) // KEXINIT
    .send("server", ctx.opaque(1_000 + randomInt(ctx.rng, 200)))
    .send("client", ctx.opaque(48)) // KEX_ECDH_INIT
    .send("server", ctx.opaque(560 + randomInt(ctx.rng, 80)), 0.003) // KEX_ECDH_REPLY + NEWKEYS
    .send("client", ctx.opaque(16)); // NEWKEYS
}

/** Seconds sshd (PAM) waits before answering a wrong password. */
export const PAM_FAIL_DELAY_SECONDS = 2;

/**
 * SSH login: public key for most, a password for some, mistyped first with TYPO_SHARE (a failure
 * answered after PAM's delay, then success).
 */
function sshLogin(ctx: SimContext, client: Host, server: Host, t: number): TcpConversation {
  const rng = ctx.rng;
  const c = sshHandshake(ctx, client, server, t)
    .send("client", ctx.opaque(52))
    .send("server", ctx.opaque(52));
  const password = rng() < 0.4;
  if (password && rng() < TYPO_SHARE) {
    c.send("client", ctx.opaque(84), 1.5 + rng() * 3).send("server", ctx.opaque(36), PAM_FAIL_DELAY_SECONDS);
  }
  return c
    .send("client", ctx.opaque(password ? 84 : 100), password ? 1.5 + rng() * 3 : 0.05)
    .send("server", ctx.opaque(36), 0.01);
}

/** An interactive SSH session to the bastion: login, keystrokes echoed, some output, logout. */
export function sshSession(ctx: SimContext, net: Network, client: Host, t: number): void {
  const c = sshLogin(ctx, client, net.servers.ssh, t);
  const keystrokes = 20 + randomInt(ctx.rng, 400);
  for (let k = 0; k < keystrokes; k++) {
    c.send("client", ctx.opaque(36), 0.08 + ctx.rng() * 0.5).send("server", ctx.opaque(36));
    if (ctx.rng() < 0.05) c.send("server", ctx.opaque(Math.round(logNormal(ctx.rng, 2_000, 1))));
  }
  c.close("client");
}

/** An SCP copy to or from the bastion: login, then one file of log-normal size (median 3 MB). */
export function scpSession(ctx: SimContext, net: Network, client: Host, t: number): void {
  const rng = ctx.rng;
  const c = sshLogin(ctx, client, net.servers.ssh, t)
    .send("client", ctx.opaque(120))
    .send("server", ctx.opaque(60));
  const bytes = size(rng, 3_000_000, 1.5, 2_000, 200_000_000);
  c.sendBulk(rng() < 0.5 ? "client" : "server", bytes, 0.01, sshPackets(ctx, bytes));
  c.close("client");
}

/**
 * Bulk data of an SSH connection as one encrypted packet per TCP segment, its length in clear
 * (as the encrypt-then-MAC and AES-GCM modes send it, RFC 5647): so a segment cut by the snap
 * length is still read as one whole packet, not as the start of a garbled one.
 */
function sshPackets(ctx: SimContext, bytes: number): BulkContent {
  return (offset, n) => {
    const out = ctx.opaque(n);
    sshEncryptedLength(out, Math.min(MSS, bytes - offset));
    return out;
  };
}

/** Someone pings a server four times. */
export function pingSession(ctx: SimContext, net: Network, client: Host, t: number): void {
  const targets = [net.servers.web, net.servers.mail, net.servers.ftp, net.gateway];
  ping(ctx, client, pick(ctx.rng, targets), t, 4);
}

/**
 * A stand-alone lookup with no connection after it: mostly names prefetched by the browser, and
 * file-reputation queries of the antivirus (an A query of a file hash under its vendor's domain,
 * as several vendors do over DNS): long random-looking labels in normal traffic.
 */
export function backgroundLookup(ctx: SimContext, net: Network, client: Host, t: number): void {
  const rng = ctx.rng;
  if (rng() < 0.5) {
    const hex = Array.from({ length: 32 }, () => "0123456789abcdef"[randomInt(rng, 16)]).join("");
    const name = `${hex}.v2.rep.av.example.com`;
    dnsQuery(ctx, net, client, name, DNS_TYPE.A, [`127.0.${randomInt(rng, 2)}.1`], t, { ttl: 3600 });
  } else {
    const site = zipfPick(rng, net.sites);
    resolve(ctx, net, client, site, t);
  }
}

/**
 * Sessions per workstation per busy hour (activity 1.0, intensity 1) of the user-driven kinds,
 * and per office for inbound mail. Pollers and NTP are periodic instead (pollersOf, NTP_POLL_SECONDS).
 * See simulate.ts for the sources and what each figure rests on.
 */
export const NORMAL_SESSIONS_PER_HOUR = {
  pageVisits: 50,
  apiCalls: 40, // web applications' background requests (mail, documents, chat) to SaaS hosts
  cloudUploads: 0.3,
  mail: 3,
  imap: 6, // IMAP checks besides the mail client's idle connection
  ftp: 0.3,
  ping: 0.3,
  dns: 6, // stand-alone lookups (prefetching, antivirus reputation)
  ssh: 1.5, // administrators only
  scp: 0.5, // administrators only
  remoteSsh: 0.5, // per teleworker outside
  remoteFtp: 0.3, // per partner outside
  inboundMail: 3, // per workstation, delivered by outside exchangers
} as const;
