import type { Request } from 'express';
import ipaddr from 'ipaddr.js';

/** The base of every absolute URL Marquee writes (og:image, snippets), without a trailing slash. */
export interface PublicBase {
  url: string;
  /**
   * Set when `url` is only the address this connection reached, not one the world is known to
   * use: pages may show it to the owner, but /embed refuses, since a crawler would keep it.
   */
  unknown?: string;
}

export interface PublicBaseOptions {
  /** `server.publicUrl`. */
  publicUrl?: string | undefined;
  /** `server.host`, the address Marquee listens on. */
  host: string;
}

const NO_PUBLIC_URL_BEHIND_PROXY = 'Set server.publicUrl to the address visitors use: this request came through a reverse proxy';
const NO_PUBLIC_URL_ANY_ADDRESS = 'Set server.publicUrl to the address visitors use: Marquee listens on every address (server.host)';

/**
 * Where Marquee is, for links that leave the page. Never the Host header (or X-Forwarded-Host):
 * anyone can send any Host, and a page that echoes it is a page a shared cache or a crawler can be
 * made to keep with someone else's address in it. In order:
 * - `server.publicUrl`, the owner's word; upgraded to https when the request came over https
 *   (only through a trusted proxy, `server.trustProxy`), so an https page never links http;
 * - else the listen address, when Marquee listens on one address and the request came straight
 *   to it (a trusted proxy's visitors do not use that address);
 * - else nothing the world is known to use: `unknown` says why, and `url` is the local address
 *   the connection reached, for the owner's eyes only.
 */
export function publicBase(o: PublicBaseOptions, req: Request): PublicBase {
  const https = req.protocol === 'https';
  if (o.publicUrl) {
    const u = new URL(o.publicUrl);
    // An explicit port belongs to the scheme the owner wrote: leave such a URL as it is.
    if (https && u.protocol === 'http:' && u.port === '') u.protocol = 'https:';
    return { url: u.toString().replace(/\/+$/, '') };
  }
  const local = `http://${hostPart(req.socket.localAddress ?? '127.0.0.1')}:${req.socket.localPort ?? 0}`;
  if (viaTrustedProxy(req)) return { url: local, unknown: NO_PUBLIC_URL_BEHIND_PROXY };
  if (listensEverywhere(o.host)) return { url: local, unknown: NO_PUBLIC_URL_ANY_ADDRESS };
  return { url: `http://${hostPart(o.host)}:${req.socket.localPort ?? 0}` };
}

/** True when a proxy that `trust proxy` vouches for has named the client, scheme or host. */
function viaTrustedProxy(req: Request): boolean {
  const forwarded = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded'].some((h) => req.headers[h] !== undefined);
  if (!forwarded) return false;
  const trust = req.app.get('trust proxy fn') as ((addr: string, i: number) => boolean) | undefined;
  return trust?.(req.socket.remoteAddress ?? '', 0) ?? false;
}

function listensEverywhere(host: string): boolean {
  if (host === '' || host === '*') return true;
  return ipaddr.isValid(host) && ipaddr.parse(host).range() === 'unspecified';
}

/** An address as the host part of a URL: IPv6 in brackets, IPv4-mapped IPv6 as plain IPv4. */
function hostPart(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const a = ipaddr.process(address);
  return a.kind() === 'ipv6' ? `[${a.toString()}]` : a.toString();
}
