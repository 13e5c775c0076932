/**
 * Does the Plex server answer, and does it accept the token? For check-config and for an online /
 * offline state when the library read is not due. Two calls: /identity (PMS answers it without a
 * token, so it tells "not reachable" apart from "token rejected") and /library/sections (which needs
 * the token).
 */
import { runSource, type SourceResult } from '../result.js';
import { createPlexClient, type PlexConnectionOptions } from './client.js';
import { identitySchema, parseShape, sectionsSchema } from './shapes.js';

export interface PlexIdentity {
  /** PMS version string, e.g. "1.41.3.9314-a0bfb8370"; null if the server does not say. */
  version: string | null;
}

export function checkPlexOnline(options: PlexConnectionOptions): Promise<SourceResult<PlexIdentity>> {
  return runSource(async () => {
    const client = createPlexClient(options);
    try {
      const identity = parseShape(identitySchema, await client.get('/identity'), '/identity').MediaContainer;
      parseShape(sectionsSchema, await client.get('/library/sections'), '/library/sections');
      return { version: identity.version ?? null };
    } finally {
      client.close();
    }
  });
}
