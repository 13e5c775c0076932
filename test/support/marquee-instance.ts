import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/load.js';
import { secretValues } from '../../src/config/secrets.js';
import { createLogger } from '../../src/logging/logger.js';
import { createMarquee, startMarquee, type Marquee } from '../../src/main.js';
import type { SheetsAuth } from '../../src/stores/sheets/client.js';
import { copyFixtureDbs } from './fixtures.js';

export type TestMarquee = Marquee & { url: string; dbs: ReturnType<typeof copyFixtureDbs>; config: Config; dataDir: string };

/**
 * A real Marquee on 127.0.0.1 (port 0) over private copies of the fixture databases. The collector
 * runs one cycle at start; tests trigger more with `collector.collect()` instead of waiting on cron.
 */
export async function startTestMarquee(
  options: {
    profile?: 'tiny' | 'demo';
    env?: Record<string, string>;
    /** Extra config file content (YAML), merged under the env overrides. */
    yaml?: string;
    clock?: () => number;
    /** Run a cycle at start and schedule more (default true); false leaves cycles to the test. */
    collect?: boolean;
    /** `serve --no-collect`: no collector at all, snapshots read from the store another instance writes. */
    readOnly?: boolean;
    sheetsAuth?: SheetsAuth;
    /** Where log lines go (default: nowhere). */
    logTo?: { write(line: string): void };
    dbs?: ReturnType<typeof copyFixtureDbs>;
    /** Leave MARQUEE_PLEX_DB / MARQUEE_TAUTULLI_DB unset (the sources come from `yaml`, e.g. their APIs). */
    noDatabases?: boolean;
    /** Reuse a data directory (a restart, a second instance); default: a fresh one. */
    dataDir?: string;
  } = {},
): Promise<TestMarquee> {
  const dbs = options.dbs ?? copyFixtureDbs(options.profile ?? 'tiny');
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'marquee-data-'));
  // Beside the data, not in it: a reused data directory keeps its own store, not a stale config.
  const configFile = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-cfg-')), 'marquee.yaml');
  writeFileSync(configFile, options.yaml ?? '');
  const config = loadConfig(
    {
      MARQUEE_CONFIG: configFile,
      ...(options.noDatabases ? {} : { MARQUEE_PLEX_DB: dbs.plexDb, MARQUEE_TAUTULLI_DB: dbs.tautulliDb }),
      MARQUEE_DATA_DIR: dataDir,
      MARQUEE_HOST: '127.0.0.1',
      MARQUEE_PORT: '0',
      // Far in the future: tests drive cycles themselves.
      MARQUEE_SCHEDULE: '0 0 1 1 *',
      // The images' zone, whatever the machine's (it would be the default otherwise).
      TZ: 'UTC',
      ...options.env,
    },
    dataDir,
  );
  // As the CLI does: the configuration's secret values are masked wherever a line quotes them.
  const logger = options.logTo ? createLogger('debug', options.logTo, { secrets: secretValues(config) }) : createLogger('silent');
  const marquee = await createMarquee(config, logger, {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.sheetsAuth ? { sheetsAuth: options.sheetsAuth } : {}),
    readOnly: options.readOnly === true,
  });
  await startMarquee(marquee, logger, { collect: !options.readOnly && (options.collect ?? true) });
  // Tests of read mode never touch `collector` (it is null there); the others need not check.
  return Object.assign(marquee as Marquee, { url: marquee.url!, dbs, config, dataDir });
}
