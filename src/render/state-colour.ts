import type { ServerState } from '../snapshot/schema.js';
import type { ColourRole } from './theme/schema.js';

/** What a state pill or badge can say: the server's state, no data yet, or data too old to be now. */
export type ShownState = ServerState | 'none' | 'stale';

/**
 * The one state -> colour table: status.png's badge, every pill, and /i/<name>.shields.json take a
 * state's colour from the image's theme through this role, so a badge and the image it stands
 * for never disagree (overloaded is `bad`, offline is `offline`, in both).
 */
export const STATE_ROLE: Readonly<Record<ShownState, ColourRole>> = {
  online: 'ok',
  busy: 'warn',
  overloaded: 'bad',
  stale: 'stale',
  offline: 'offline',
  none: 'offline',
};
