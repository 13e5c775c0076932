import type { Activity, Stream } from './schema.js';

/**
 * The counts every activity source reports beside its streams (Tautulli's database or API, Plex's
 * /status/sessions), computed one way: a private section's stream is already in `streams` with its
 * title hidden, since it still loads the server.
 */
export function activityOf(streams: Stream[]): Activity {
  const count = (pick: (s: Stream) => boolean) => streams.filter(pick).length;
  const bandwidth = (pick: (s: Stream) => boolean) => streams.filter(pick).reduce((n, s) => n + s.bandwidthKbps, 0);
  return {
    streamCount: streams.length,
    directPlay: count((s) => s.decision === 'direct play'),
    directStream: count((s) => s.decision === 'copy'),
    transcode: count((s) => s.decision === 'transcode'),
    playing: count((s) => s.state !== 'paused'),
    paused: count((s) => s.state === 'paused'),
    bandwidthKbps: {
      total: bandwidth(() => true),
      lan: bandwidth((s) => s.location === 'lan'),
      wan: bandwidth((s) => s.location === 'wan'),
    },
    streams,
  };
}
