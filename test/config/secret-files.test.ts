import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { configFile, runCli } from '../drills/support/cli.js';
import { startFakePlex, type FakePlex } from '../support/fake-plex.js';
import { startFakeTautulli, type FakeTautulli } from '../support/fake-tautulli.js';
import { copyFixtureDbs, FIXTURE_NOW_S } from '../support/fixtures.js';

/**
 * Docker secrets (issue 18): every secret setting also reads from the file its `_FILE` variable
 * names. End to end through the CLI: check-config probes a fake Plex and a fake Tautulli that
 * accept only their own token and key, so "ok" proves the file's content reached the request.
 */
const TOKEN = 'plex-token-from-a-file-31337';
const API_KEY = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const secretFile = (content: string) => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-secret-')), 'secret');
  writeFileSync(file, content);
  return file;
};
let plex: FakePlex;
let tautulli: FakeTautulli;

beforeAll(async () => {
  const dbs = copyFixtureDbs('tiny');
  plex = await startFakePlex({ plexDb: dbs.plexDb, token: TOKEN });
  tautulli = await startFakeTautulli({ dbPath: dbs.tautulliDb, now: FIXTURE_NOW_S, timeZone: 'UTC', apiKey: API_KEY });
});
afterAll(async () => {
  await plex?.close();
  await tautulli?.close();
});

const checkConfig = async (env: Record<string, string>) => {
  const run = runCli(['check-config'], {
    MARQUEE_CONFIG: configFile(),
    MARQUEE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'marquee-secret-data-')),
    MARQUEE_PLEX_URL: plex.url,
    MARQUEE_TAUTULLI_URL: tautulli.url,
    ...env,
  });
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
};

describe('secrets from files (*_FILE)', () => {
  it('reads the Plex token and the Tautulli key from their files (a trailing newline dropped)', async () => {
    const r = await checkConfig({
      MARQUEE_PLEX_TOKEN_FILE: secretFile(`${TOKEN}\n`),
      MARQUEE_TAUTULLI_API_KEY_FILE: secretFile(API_KEY),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^plex: ok /m);
    expect(r.stderr).toMatch(/^tautulli: ok /m);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(r.stdout + r.stderr).not.toContain(API_KEY);
  }, 60_000);

  it('a file holding the wrong key is the wrong key, named as such', async () => {
    const r = await checkConfig({ MARQUEE_PLEX_TOKEN: TOKEN, MARQUEE_TAUTULLI_API_KEY_FILE: secretFile('not-the-key') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tautulli: FAILED .*auth/m);
  }, 60_000);

  it('names the variable and the file when the file cannot be read, and never prints its content', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-secret-cfg-'));
    const err = (env: Record<string, string>) => {
      try {
        loadConfig(env, dir);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(err({ MARQUEE_PLEX_TOKEN_FILE: '/nonexistent/token' })).toBe('MARQUEE_PLEX_TOKEN_FILE: cannot read /nonexistent/token: ENOENT');
    expect(err({ MARQUEE_PLEX_TOKEN_FILE: secretFile('\n') })).toMatch(/^MARQUEE_PLEX_TOKEN_FILE: .* is empty$/);
    const both = err({ MARQUEE_PLEX_TOKEN: 'x', MARQUEE_PLEX_TOKEN_FILE: secretFile(TOKEN) });
    expect(both).toBe('set MARQUEE_PLEX_TOKEN or MARQUEE_PLEX_TOKEN_FILE, not both');
    // A value from a file that fails validation names the file variable, not the value.
    const short = err({ MARQUEE_ETAG_SECRET_FILE: secretFile('short-secret') });
    expect(short).toMatch(/server\.etagSecret \(from MARQUEE_ETAG_SECRET_FILE\)/);
    expect(short).not.toContain('short-secret');
  });

  it('reads every marked secret from a file: each lands on its own setting', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-secret-cfg-'));
    writeFileSync(path.join(dir, 'marquee.yaml'), 'host:\n  username: node\n');
    const config = loadConfig(
      {
        MARQUEE_SHEETS_ID: 'sheet-id-0123456789',
        MARQUEE_SHEETS_CREDENTIALS_JSON_FILE: secretFile('{"type":"service_account"}\n'),
        MARQUEE_PLEX_URL_FILE: secretFile('http://127.0.0.1:32400/?X-Plex-Token=t'),
        MARQUEE_HOST_METRICS_URL_FILE: secretFile('http://127.0.0.1:9100/metrics'),
        MARQUEE_PLEX_TOKEN_FILE: secretFile('a-plex-token'),
        MARQUEE_TAUTULLI_URL_FILE: secretFile('http://127.0.0.1:8181/?apikey=k'),
        MARQUEE_TAUTULLI_API_KEY_FILE: secretFile('tautulli-key'),
        MARQUEE_HOST_METRICS_PASSWORD_FILE: secretFile('node-password'),
        MARQUEE_ETAG_SECRET_FILE: secretFile('etag-secret-0123456789'),
        MARQUEE_PSEUDONYM_SECRET_FILE: secretFile('pseudonym-secret-0123456789'),
        MARQUEE_DISCORD_WEBHOOK_URL_FILE: secretFile('https://discord.com/api/webhooks/1/t'),
        MARQUEE_PUBLIC_URL: 'https://status.example.org',
      },
      dir,
    );
    expect(config.sheets?.credentialsJson).toBe('{"type":"service_account"}');
    expect(config.plex.url).toBe('http://127.0.0.1:32400/?X-Plex-Token=t');
    expect(config.host.url).toBe('http://127.0.0.1:9100/metrics');
    expect(config.plex.token).toBe('a-plex-token');
    expect(config.tautulli.url).toBe('http://127.0.0.1:8181/?apikey=k');
    expect(config.tautulli.apiKey).toBe('tautulli-key');
    expect(config.host.password).toBe('node-password');
    expect(config.server.etagSecret).toBe('etag-secret-0123456789');
    expect(config.privacy.pseudonymSecret).toBe('pseudonym-secret-0123456789');
    expect(config.discord?.webhookUrl).toBe('https://discord.com/api/webhooks/1/t');
  });
});
