import { createNodeExporterReader } from './host-metrics/node-exporter-source.js';
import { checkPlexOnline } from './plex-api/index.js';
import type { SourcesConfig } from './read-all.js';
import type { SourceResult } from './result.js';
import { checkTautulliApi } from './tautulli-api/tautulli-api-source.js';

/** One line of `check-config`: can Marquee reach this remote source, and does it accept the key? */
export interface RemoteCheck {
  source: 'plex' | 'tautulli' | 'host';
  /** The address without credentials or query (keys travel in headers or are redacted). */
  target: string;
  ok: boolean;
  /** What answered (a version, a core count), or why it failed: the cause, secrets redacted. */
  detail: string;
}

/**
 * Probes each remote source the configuration uses, concurrently, one cheap call each: Plex's
 * /identity and /library/sections (reachable, token), Tautulli's get_tautulli_info (reachable, key),
 * one node_exporter scrape. Database sources are not probed here.
 */
export async function checkRemoteSources(c: SourcesConfig, timeoutMs: number): Promise<RemoteCheck[]> {
  const checks: Array<Promise<RemoteCheck>> = [];
  const line = async <T>(source: RemoteCheck['source'], target: string, read: Promise<SourceResult<T>>, ok: (data: T) => string) => {
    const result = await read;
    return result.ok
      ? { source, target, ok: true, detail: ok(result.data) }
      : { source, target, ok: false, detail: `${result.error.code}: ${result.error.detail ?? result.error.message}` };
  };
  if (!c.plexDb && c.plexApi)
    checks.push(
      line(
        'plex',
        origin(c.plexApi.url),
        checkPlexOnline({ ...c.plexApi, timeoutMs }),
        (d) => `Plex Media Server ${d.version ?? '(version unknown)'}`,
      ),
    );
  if (!c.tautulliDb && c.tautulliApi)
    checks.push(
      line(
        'tautulli',
        origin(c.tautulliApi.url),
        checkTautulliApi({ ...c.tautulliApi, timeoutMs }),
        (d) => `Tautulli ${d.version ?? '(version unknown)'}`,
      ),
    );
  if (c.hostMetrics)
    checks.push(
      line(
        'host',
        origin(c.hostMetrics.url),
        createNodeExporterReader({ ...c.hostMetrics, timeoutMs })(),
        (d) => `node_exporter: ${d.cpu.cores} cores`,
      ),
    );
  return Promise.all(checks);
}

function origin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
