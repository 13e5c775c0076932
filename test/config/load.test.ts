import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';

function withFile(yaml: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-config-'));
  const file = path.join(dir, 'marquee.yaml');
  writeFileSync(file, yaml);
  return { dir, file };
}

const errorOf = (f: () => unknown): ConfigError => {
  try {
    f();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('runs in demo mode with no config at all', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-empty-'));
    const config = loadConfig({}, dir);
    expect(config.demo).toBe(true);
    expect(config.plex.db).toBe(path.join(dir, 'data', 'demo', 'com.plexapp.plugins.library.db'));
    expect(config.server.port).toBe(8080);
    expect(config.privacy.userNames).toBe('hidden');
  });

  it('reads the file named by MARQUEE_CONFIG and lets environment variables override it', () => {
    const { dir, file } = withFile('plex:\n  db: /srv/plex.db\nserver:\n  port: 9000\n');
    const config = loadConfig(
      { MARQUEE_CONFIG: file, MARQUEE_PORT: '9100', MARQUEE_TAUTULLI_DB: '/srv/tautulli.db', MARQUEE_DATA_DIR: '/var/marquee' },
      dir,
    );
    expect(config.demo).toBe(false);
    expect(config.plex.db).toBe('/srv/plex.db');
    expect(config.tautulli.db).toBe('/srv/tautulli.db');
    expect(config.server.port).toBe(9100);
    expect(config.dataDir).toBe('/var/marquee');
  });

  it.each([
    ['server:\n  port: 70000\n', 'server.port'],
    ['server:\n  prot: 80\n', 'server.prot'],
    ['privacy:\n  userNames: everyone\n', 'privacy.userNames'],
    ['collector:\n  schedule: every minute\n', 'collector.schedule'],
    ['thresholds:\n  busyStreams: 5\n  overloadedStreams: 2\n', 'thresholds.overloadedStreams'],
    ['store:\n  write: sheets\n', 'sheets'],
  ])('fails fast naming the key for %j', (yaml, key) => {
    const { dir, file } = withFile(yaml);
    const err = errorOf(() => loadConfig({ MARQUEE_CONFIG: file }, dir));
    expect(err.message).toContain(key);
  });

  it('names the environment variable a bad value came from', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-env-'));
    const err = errorOf(() => loadConfig({ MARQUEE_PORT: 'eighty' }, dir));
    expect(err.message).toMatch(/server\.port \(from MARQUEE_PORT\)/);
  });

  it('reports YAML syntax errors with the file name', () => {
    const { dir, file } = withFile('server: [port\n');
    expect(errorOf(() => loadConfig({ MARQUEE_CONFIG: file }, dir)).message).toContain(file);
  });

  // The YAML library's own message quotes the line, and the line is often the one holding a secret.
  const SECRET = 'hunter2-9f8e7d6c5b4a';
  it.each([
    ['a tab before the token', `plex:\n\ttoken: ${SECRET}\n`, '\ttoken'],
    ['a colon inside the token', `plex:\n  token: abc: ${SECRET}\n`, 'abc:'],
    ['an unclosed quote on the webhook', `discord:\n  webhookUrl: "https://discord.com/api/webhooks/1/${SECRET}\n`, null],
  ])('a YAML syntax error (%s) gives file, line and column, never the line', (_what, yaml, at) => {
    const { dir, file } = withFile(yaml);
    const message = errorOf(() => loadConfig({ MARQUEE_CONFIG: file }, dir)).message;
    expect(message).toContain(`config file ${file} is not valid YAML: `);
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain('discord.com');
    if (at) {
      // Where the offending token starts, counted from the text itself (1-based line and column).
      const offset = yaml.indexOf(at);
      const line = yaml.slice(0, offset).split('\n').length;
      expect(message).toMatch(new RegExp(`at line ${line}, column ${offset - yaml.lastIndexOf('\n', offset - 1)} `));
    } else expect(message).toMatch(/at line \d+, column \d+ /);
  });

  it.each([
    ['render:\n  timeZone: Mars/Olympus_Mons\n', {}, /render\.timeZone: unknown time zone "Mars\/Olympus_Mons"/],
    ['', { MARQUEE_TZ: 'Europe/Pariss' }, /render\.timeZone \(from MARQUEE_TZ\): unknown time zone "Europe\/Pariss"/],
    ['render:\n  locale: en_US\n', {}, /render\.locale: unknown locale "en_US"/],
    ['render:\n  locale: tlh\n', {}, /render\.locale: unknown locale "tlh"/],
  ])('fails on a time zone or locale that rendering could not use: %j %j', (yaml, env, message) => {
    const { dir, file } = withFile(yaml);
    expect(errorOf(() => loadConfig({ MARQUEE_CONFIG: file, ...env }, dir)).message).toMatch(message);
  });

  it('accepts the zones and locales Intl knows', () => {
    const { dir, file } = withFile('render:\n  timeZone: America/Argentina/Buenos_Aires\n  locale: de-CH\n');
    expect(loadConfig({ MARQUEE_CONFIG: file }, dir).render).toMatchObject({ timeZone: 'America/Argentina/Buenos_Aires', locale: 'de-CH' });
  });
});
