import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyFixtureDbs } from '../support/fixtures.js';
import { configFile, runCli } from './support/cli.js';

/**
 * Drill: custom metrics against the privacy promises (issue 16, low). `marquee check-config`, run
 * as a user would, must refuse a metric that reads a column Marquee never collects and one that
 * counts a private section's rows, saying which and why, and accept the second once its owner
 * sets `readsPrivateSections: true`.
 */

const dbs = copyFixtureDbs('tiny');
const checkConfig = async (yaml: string) => {
  const run = runCli(['check-config'], {
    MARQUEE_CONFIG: configFile(yaml),
    MARQUEE_PLEX_DB: dbs.plexDb,
    MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
    MARQUEE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'marquee-drill-d-')),
  });
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
};
const metric = (sql: string, extra = '') =>
  `metrics:\n  plays:\n    source: tautulli\n    sql: "${sql}"\n    returns: scalar\n    type: integer\n${extra}`;
const privateMovies = 'privacy:\n  privateSections: [Movies]\n';

describe('drill: metrics and privacy, through check-config', () => {
  it('refuses a metric over a private section, naming the metric, the table and the way out', async () => {
    const out = await checkConfig(privateMovies + metric('SELECT COUNT(*) FROM session_history'));
    expect(out.code, out.stderr).not.toBe(0);
    expect(out.stderr).toContain('metric "plays": reads session_history, whose rows include the private sections');
    expect(out.stderr).toContain('readsPrivateSections: true');
    expect(out.stdout).toBe('');
  }, 60_000);

  it('accepts it once the owner says the metric may read those rows', async () => {
    const out = await checkConfig(privateMovies + metric('SELECT COUNT(*) FROM session_history', '    readsPrivateSections: true\n'));
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: true, config: { metrics: { plays: { readsPrivateSections: true } } } });
  }, 60_000);

  it('refuses the whole session as JSON (IP address included), even only counted', async () => {
    const out = await checkConfig(metric("SELECT COUNT(*) FROM sessions WHERE json_extract(raw_stream_info, '$.ip_address') <> ''"));
    expect(out.code, out.stderr).not.toBe(0);
    expect(out.stderr).toContain('metric "plays": reads sessions.raw_stream_info');
  }, 60_000);
});
