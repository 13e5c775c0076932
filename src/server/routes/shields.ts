import type { Snapshot } from '../../snapshot/schema.js';

/** shields.io's endpoint-badge schema: https://shields.io/badges/endpoint-badge */
export interface ShieldsBadge {
  schemaVersion: 1;
  label: string;
  message: string;
  color: string;
  isError?: boolean;
  cacheSeconds?: number;
}

const stateColours = { online: 'brightgreen', busy: 'yellow', overloaded: 'orange', offline: 'red' } as const;

export function toShieldsBadge(snapshot: Snapshot | null): ShieldsBadge {
  if (!snapshot) return { schemaVersion: 1, label: 'plex', message: 'no data', color: 'lightgrey', isError: true };
  const streams = snapshot.activity?.streamCount ?? 0;
  const message =
    snapshot.state === 'offline' || streams === 0 ? snapshot.state : `${snapshot.state} · ${streams} stream${streams === 1 ? '' : 's'}`;
  return {
    schemaVersion: 1,
    label: 'plex',
    message,
    color: stateColours[snapshot.state],
    isError: snapshot.state === 'offline',
    cacheSeconds: 300,
  };
}
