/**
 * KDD's `service` of a connection: the network service on the destination, named as in the
 * KDD Cup 99 files. TCP and UDP by responder port (the IANA assignments the DARPA 1998 tools
 * used); ICMP by message type. Unknown ports are `private` (1024 and above) or `other`.
 */

const TCP_SERVICES: Readonly<Record<number, string>> = {
  7: "echo",
  9: "discard",
  11: "systat",
  13: "daytime",
  15: "netstat",
  20: "ftp_data",
  21: "ftp",
  22: "ssh",
  23: "telnet",
  25: "smtp",
  37: "time",
  42: "name",
  43: "whois",
  53: "domain",
  57: "mtp",
  70: "gopher",
  71: "remote_job",
  77: "rje",
  79: "finger",
  80: "http",
  84: "ctf",
  87: "link",
  95: "supdup",
  101: "hostnames",
  102: "iso_tsap",
  105: "csnet_ns",
  109: "pop_2",
  110: "pop_3",
  111: "sunrpc",
  113: "auth",
  117: "uucp_path",
  119: "nntp",
  139: "netbios_ssn",
  143: "imap4",
  150: "sql_net",
  175: "vmnet",
  179: "bgp",
  194: "IRC",
  210: "Z39_50",
  389: "ldap",
  433: "nnsp",
  443: "http_443",
  512: "exec",
  513: "login",
  514: "shell",
  515: "printer",
  520: "efs",
  530: "courier",
  540: "uucp",
  543: "klogin",
  544: "kshell",
  2784: "http_2784",
  6667: "IRC",
  8001: "http_8001",
};

const UDP_SERVICES: Readonly<Record<number, string>> = {
  53: "domain_u",
  69: "tftp_u",
  123: "ntp_u",
  137: "netbios_ns",
  138: "netbios_dgm",
};

/** X Window System displays :0 to :63. */
const X11_PORTS: readonly [number, number] = [6000, 6063];
/** Ports below this are "well known" (RFC 6335); an unlisted one is `other`, a higher one `private`. */
const FIRST_UNPRIVILEGED_PORT = 1024;

/**
 * The KDD service name of a TCP or UDP connection to `port`.
 * @example portService("tcp", 80) // "http";  portService("udp", 53) // "domain_u";  portService("tcp", 40000) // "private"
 */
export function portService(protocol: "tcp" | "udp", port: number): string {
  const known = (protocol === "tcp" ? TCP_SERVICES : UDP_SERVICES)[port];
  if (known) return known;
  if (protocol === "tcp" && port >= X11_PORTS[0] && port <= X11_PORTS[1]) return "X11";
  return port >= FIRST_UNPRIVILEGED_PORT ? "private" : "other";
}

/**
 * The KDD service name of an ICMP (or ICMPv6) connection, from the type of its first message:
 * echo request `eco_i`, echo reply `ecr_i`, port unreachable `urp_i`, other unreachable `urh_i`,
 * redirect `red_i`, timestamp `tim_i`, anything else `oth_i`.
 */
export function icmpService(type: number, code: number, v6 = false): string {
  if (v6) {
    if (type === 128) return "eco_i";
    if (type === 129) return "ecr_i";
    if (type === 1) return code === 4 ? "urp_i" : "urh_i";
    if (type === 137) return "red_i";
    return "oth_i";
  }
  switch (type) {
    case 8:
      return "eco_i";
    case 0:
      return "ecr_i";
    case 3:
      return code === 3 ? "urp_i" : "urh_i";
    case 5:
      return "red_i";
    case 13:
    case 14:
      return "tim_i";
    default:
      return "oth_i";
  }
}
