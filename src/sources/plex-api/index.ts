/** Plex over its HTTP API: the library, live sessions and an online check, each per server instance. */
export { PlexApiError, type PlexConnectionOptions } from './client.js';
export { readPlexApi, type PlexApiLibrary, type PlexApiLibraryOptions } from './library.js';
export { checkPlexOnline, type PlexIdentity } from './online.js';
export { readPlexSessions, type PlexSessionsOptions } from './sessions.js';
