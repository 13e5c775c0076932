import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Router } from 'express';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/logging/logger.js';
import { createMarquee, startMarquee, type Marquee } from '../../../src/main.js';
import { PUBLIC_DIR } from '../../../src/paths.js';
import { pageRoutes } from '../../../src/server/routes/pages.js';
import type { SheetsAuth } from '../../../src/stores/sheets/client.js';
import { copyFixtureDbs, type FixtureDbs } from '../../support/fixtures.js';

export interface DrillMarquee extends Marquee {
  url: string;
  dbs: FixtureDbs & { dir: string };
  dataDir: string;
}

/**
 * Like test/support/marquee-instance.ts, plus the gallery/embed/asset routes, which main.ts does
 * not mount yet: the fuzz drill must prove /assets never serves a file outside public/.
 */
export async function startDrillMarquee(
  options: {
    profile?: 'tiny' | 'demo';
    yaml?: string;
    env?: Record<string, string>;
    dataDir?: string;
    dbs?: FixtureDbs & { dir: string };
    clock?: () => number;
    collect?: boolean;
    pages?: boolean;
    sheetsAuth?: SheetsAuth;
    logTo?: { write(line: string): void };
  } = {},
): Promise<DrillMarquee> {
  const dbs = options.dbs ?? copyFixtureDbs(options.profile ?? 'tiny');
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'marquee-drill-data-'));
  const configFile = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-drill-cfg-')), 'marquee.yaml');
  writeFileSync(configFile, options.yaml ?? '');
  const config = loadConfig(
    {
      MARQUEE_CONFIG: configFile,
      MARQUEE_PLEX_DB: dbs.plexDb,
      MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
      MARQUEE_DATA_DIR: dataDir,
      MARQUEE_HOST: '127.0.0.1',
      MARQUEE_PORT: '0',
      // Drills drive cycles themselves unless they set a schedule.
      MARQUEE_SCHEDULE: '0 0 1 1 *',
      ...options.env,
    },
    dataDir,
  );
  const logger = options.logTo ? createLogger('debug', options.logTo) : createLogger('silent');
  const extraRoutes = (): Router[] =>
    options.pages
      ? [
          pageRoutes({
            images: () =>
              [...(config.images ? Object.keys(config.images) : ['signature'])].map((name) => ({
                name,
                template: name,
                theme: 'dark',
                alt: name,
                width: 600,
                height: 200,
              })),
            themes: ['dark', 'light'],
            publicUrl: () => 'http://127.0.0.1',
            versionedPath: async () => null,
            staticDir: PUBLIC_DIR,
          }),
        ]
      : [];
  const marquee = await createMarquee(config, logger, {
    extraRoutes,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.sheetsAuth ? { sheetsAuth: options.sheetsAuth } : {}),
  });
  await startMarquee(marquee, logger, { collect: options.collect ?? true });
  return Object.assign(marquee, { url: marquee.url!, dbs, dataDir });
}
