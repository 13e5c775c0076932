import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/load.js';
import { createLogger } from '../../src/logging/logger.js';
import { createMarquee, startMarquee, type Marquee } from '../../src/main.js';
import { copyFixtureDbs } from './fixtures.js';

/**
 * A real Marquee on 127.0.0.1 (port 0) over private copies of the fixture databases. The collector
 * runs one cycle at start; tests trigger more with `collector.collect()` instead of waiting on cron.
 */
export async function startTestMarquee(
  options: { profile?: 'tiny' | 'demo'; env?: Record<string, string>; clock?: () => number; collect?: boolean } = {},
): Promise<Marquee & { url: string; dbs: ReturnType<typeof copyFixtureDbs>; config: Config }> {
  const dbs = copyFixtureDbs(options.profile ?? 'tiny');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-data-'));
  const config = loadConfig(
    {
      MARQUEE_PLEX_DB: dbs.plexDb,
      MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
      MARQUEE_DATA_DIR: dataDir,
      MARQUEE_HOST: '127.0.0.1',
      MARQUEE_PORT: '0',
      // Far in the future: tests drive cycles themselves.
      MARQUEE_SCHEDULE: '0 0 1 1 *',
      ...options.env,
    },
    dataDir,
  );
  const logger = createLogger('silent');
  const marquee = await createMarquee(config, logger, options.clock ? { clock: options.clock } : {});
  await startMarquee(marquee, logger, { collect: options.collect ?? true });
  return Object.assign(marquee, { url: marquee.url!, dbs, config });
}
