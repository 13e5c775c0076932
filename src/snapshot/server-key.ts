/**
 * How one Plex server of a Marquee is named (issue 20): in the config (`servers[].id`), in URLs
 * (`/i/<server>/<name>.png`, `/health/<server>`) and in every store's keys. One definition here,
 * so the config, the routes and the stores agree on what an id may be.
 */

/** A server id: a lower-case URL slug, so it goes into a forum-safe URL as it is. */
export const SERVER_ID = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** The id of the one server of a config without `servers:` (what existing stores hold is its data). */
export const ONLY_SERVER_ID = 'default';

/**
 * The key the network's own snapshot and history are stored under. Not a valid server id (it starts
 * with `_`), so no server's data can ever land on the network's, or the other way round.
 */
export const NETWORK_KEY = '_network';

export function isServerId(value: string): boolean {
  return SERVER_ID.test(value);
}
