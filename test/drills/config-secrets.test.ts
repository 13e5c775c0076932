import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyFixtureDbs } from '../support/fixtures.js';
import { configFile, runCli } from './support/cli.js';

/**
 * Drill: a typo next to a secret (issue 16, low). `marquee check-config`, run as a user would, on a
 * config or template file with a syntax error on the line that holds the Discord webhook, the Plex
 * token or an API key: the CLI exits non-zero naming the file, line and column, and the secret is
 * nowhere in its output (the oracle is the literal secret string, searched in stdout and stderr).
 * A time zone or locale that rendering could not use fails the same way, naming its key.
 */

const SECRET = 'hunter2-5ecret-9f8e7d6c5b4a';
const dbs = copyFixtureDbs('tiny');
const checkConfig = async (yaml: string, env: Record<string, string> = {}) => {
  const run = runCli(['check-config'], {
    MARQUEE_CONFIG: configFile(yaml),
    MARQUEE_PLEX_DB: dbs.plexDb,
    MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
    MARQUEE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'marquee-drill-d-')),
    ...env,
  });
  const { code } = await run.exited;
  return { code, out: run.stdout() + run.stderr(), stderr: run.stderr() };
};
const dirWith = (name: string, body: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-drill-user-'));
  writeFileSync(path.join(dir, name), body);
  return dir;
};

describe('drill: a syntax error next to a secret', () => {
  it.each([
    [
      'an unclosed quote on the Discord webhook line',
      `server:\n  publicUrl: https://status.example.org\ndiscord:\n  webhookUrl: "https://discord.com/api/webhooks/1234/${SECRET}\n`,
      /marquee\.yaml is not valid YAML: .* at line \d+, column \d+/,
    ],
    ['a colon inside the Plex token', `plex:\n  token: abc: ${SECRET}\n`, /marquee\.yaml is not valid YAML: .* at line 2, column 10/],
    ['a tab before the Plex token', `plex:\n\ttoken: ${SECRET}\n`, /marquee\.yaml is not valid YAML: .* at line 2, column 1/],
    [
      'a template file with an unquoted key',
      `render:\n  templatesDir: ${dirWith('mine.json', `{\n  "name": "mine",\n  "apiKey": ${SECRET}\n}\n`)}\n`,
      /mine\.json: not valid JSON: invalid symbol at line 3, column 13/,
    ],
    [
      'a theme file with trailing text',
      `render:\n  themesDir: ${dirWith('mine.json', `{ "name": "mine" }\n${SECRET}\n`)}\n`,
      /mine\.json: not valid JSON: invalid symbol at line 2, column 1/,
    ],
  ])(
    '%s: exit non-zero, file, line and column, no secret',
    async (_what, yaml, message) => {
      const run = await checkConfig(yaml);
      expect(run.code, run.stderr).not.toBe(0);
      expect(run.stderr).toMatch(/^marquee: /);
      expect(run.stderr).toMatch(message);
      expect(run.out).not.toContain(SECRET);
      expect(run.out).not.toContain('discord.com');
    },
    60_000,
  );
});

describe('drill: time zone and locale', () => {
  it.each([
    ['render:\n  timeZone: Europe/Pariss\n', {}, /render\.timeZone: unknown time zone "Europe\/Pariss"/],
    ['', { MARQUEE_TZ: 'CEST+2' }, /render\.timeZone \(from MARQUEE_TZ\): unknown time zone "CEST\+2"/],
    ['render:\n  locale: en_GB\n', {}, /render\.locale: unknown locale "en_GB"/],
  ])(
    'check-config fails on %j %j, naming the key',
    async (yaml, env, message) => {
      const run = await checkConfig(yaml, env);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    },
    60_000,
  );
});
