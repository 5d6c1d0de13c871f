/**
 * The servers' URLs of the NATS bus (nats.ts), read as the NATS tools read
 * them: credentials and the `tls://` scheme taken out, host and port left.
 *
 * @module
 */
import { redactUrl } from "../../../mod.ts";

/** What the servers' URLs say beyond host and port: credentials, TLS. */
export interface ParsedServers {
  readonly servers: string[];
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  readonly tls: boolean;
}

/**
 * Takes the credentials and the scheme out of the servers' URLs: the NATS
 * client would drop them (it reads host and port alone).
 * @throws {TypeError} a URL that does not parse, or two URLs with different credentials.
 */
export function parseServers(urls: string[]): ParsedServers {
  let auth: string | undefined;
  let parsed: ParsedServers = { servers: [], tls: false };
  for (const server of urls) {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(server)) {
      parsed.servers.push(server);
      continue;
    }
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new TypeError(`Cannot connect to NATS: ${redactUrl(server)} is not a URL`);
    }
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    const these = JSON.stringify([user, pass]);
    if (user !== "" || pass !== "") {
      if (auth !== undefined && auth !== these) {
        throw new TypeError("Cannot connect to NATS: the servers' URLs carry different credentials");
      }
      auth = these;
      // A user and no password is a token (nats://TOKEN@host), as the NATS tools read it.
      parsed = pass === "" ? { ...parsed, token: user } : { ...parsed, user, pass };
    }
    if (url.protocol === "tls:") parsed = { ...parsed, tls: true };
    parsed.servers.push(url.host);
  }
  return parsed;
}
