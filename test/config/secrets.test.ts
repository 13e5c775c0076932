import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { loadConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { createLogger } from '../../src/logging/logger.js';
import { secretValues } from '../../src/config/secrets.js';
import { configFile, runCli } from '../drills/support/cli.js';
import { copyFixtureDbs } from '../support/fixtures.js';
import { startTestMarquee } from '../support/marquee-instance.js';

/**
 * Secrets are marked once, in the config schema, and every output derives its masking from the
 * marks (issue 15, bug 4). The test walks the schema itself (its own walker over zod's registry),
 * gives every marked setting a value made of recognisable secret strings, and searches every
 * output for those strings: check-config (run as a user would), the log, /health.
 */
type Node = z.core.$ZodType;
interface Mark {
  path: string[];
  secret: 'value' | 'url';
  env: string;
}
function marks(node: Node, at: string[] = []): Mark[] {
  const def = node._zod.def as unknown as { type: string; innerType?: Node; shape?: Record<string, Node> };
  const meta = z.globalRegistry.get(node) as Partial<Mark> | undefined;
  const here = meta?.secret ? [{ path: at, secret: meta.secret, env: meta.env! }] : [];
  const inner = def.innerType ? marks(def.innerType, at) : [];
  const children = def.type === 'object' ? Object.entries(def.shape!).flatMap(([k, v]) => marks(v, [...at, k])) : [];
  return [...here, ...inner, ...children];
}
const MARKS = marks(configSchema);

/** Every place a secret hides in a URL people paste: password, key-like parameters, a webhook token. */
const secretFor = (m: Mark) => `S3cr3t-${m.path.join('-')}-7f3a9c`;
const urlWith = (s: string, userinfo = true) =>
  `http://${userinfo ? `u:${s}-pw@` : ''}127.0.0.1:9/api/webhooks/42/${s}-hook?X-Plex-Token=${s}-plex&apikey=${s}-key&token=${s}-tok&page=1`;
/** The node_exporter reader refuses credentials in host.url (they go in host.username/password). */
const userinfoAllowed = (m: Mark) => m.path.join('.') !== 'host.url';
const SECRETS = MARKS.flatMap((m) =>
  m.secret === 'url'
    ? ['pw', 'hook', 'plex', 'key', 'tok'].filter((p) => p !== 'pw' || userinfoAllowed(m)).map((p) => `${secretFor(m)}-${p}`)
    : [secretFor(m)],
);

/** A valid configuration with every marked setting set (and what each needs beside it). */
function secretConfig(dbs: { plexDb: string; tautulliDb: string }): Record<string, unknown> {
  const doc: Record<string, Record<string, unknown>> = {
    plex: { db: dbs.plexDb },
    tautulli: { db: dbs.tautulliDb },
    host: { username: 'node' },
    server: { publicUrl: 'https://status.example.org' },
    sheets: { spreadsheetId: 'sheet-id-0123456789' },
    discord: {},
  };
  for (const m of MARKS) {
    const [section, key] = m.path as [string, string];
    doc[section] = { ...doc[section], [key]: m.secret === 'url' ? urlWith(secretFor(m), userinfoAllowed(m)) : secretFor(m) };
  }
  return doc;
}
const leaks = (text: string) => SECRETS.filter((s) => text.includes(s));

describe('secrets, marked once in the schema', () => {
  it('marks every setting that holds a credential, each with its environment variable', () => {
    // The issue's list of secrets, written out here: a new credential must be marked to pass.
    expect(MARKS.map((m) => m.path.join('.')).sort()).toEqual(
      expect.arrayContaining([
        'discord.webhookUrl',
        'host.password',
        'plex.token',
        'plex.url',
        'privacy.pseudonymSecret',
        'server.etagSecret',
        'sheets.credentialsJson',
        'tautulli.apiKey',
      ]),
    );
    for (const m of MARKS) expect(m.env, m.path.join('.')).toMatch(/^MARQUEE_[A-Z_]+$/);
  });

  it('check-config prints no secret, in its JSON or its probe lines', async () => {
    const dbs = copyFixtureDbs('tiny');
    const run = runCli(['check-config'], {
      MARQUEE_CONFIG: configFile(stringify(secretConfig(dbs))),
      MARQUEE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'marquee-secrets-')),
    });
    const { code } = await run.exited;
    // The node_exporter at 127.0.0.1:9 does not answer: the probe fails, and says so without its URL's secrets.
    expect(code, run.stderr()).toBe(1);
    const report = JSON.parse(run.stdout()) as { config: Record<string, Record<string, string>> };
    expect(leaks(run.stdout() + run.stderr())).toEqual([]);
    // Masked, not dropped: the reader still sees which settings are set and where URLs point.
    expect(report.config.plex!.token).toBe('***');
    expect(report.config.discord!.webhookUrl).toMatch(
      /^http:\/\/u:\*\*\*@127\.0\.0\.1:9\/api\/webhooks\/42\/\*\*\*\?X-Plex-Token=\*\*\*&apikey=\*\*\*&token=\*\*\*&page=1$/,
    );
  }, 60_000);

  it("check-config masks the two secrets it printed before: a Discord webhook's token and a Plex token in plex.url", async () => {
    const dbs = copyFixtureDbs('tiny');
    const yaml = [
      'plex:',
      `  db: ${dbs.plexDb}`,
      '  url: http://127.0.0.1:32400/?X-Plex-Token=plexTokenInTheUrl42',
      'server:',
      '  publicUrl: https://status.example.org',
      'discord:',
      '  webhookUrl: https://discord.com/api/webhooks/1234567890/webhookTokenPart-abcDEF',
    ].join('\n');
    const run = runCli(['check-config'], { MARQUEE_CONFIG: configFile(`${yaml}\n`), MARQUEE_TAUTULLI_DB: dbs.tautulliDb });
    expect((await run.exited).code, run.stderr()).toBe(0);
    expect(run.stdout()).not.toContain('plexTokenInTheUrl42');
    expect(run.stdout()).not.toContain('webhookTokenPart-abcDEF');
    expect(run.stdout()).toContain('https://discord.com/api/webhooks/1234567890/***');
  }, 60_000);

  it('keeps every secret out of the log, in fields, messages and error texts', () => {
    const dbs = copyFixtureDbs('tiny');
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-secrets-'));
    writeFileSync(path.join(dir, 'marquee.yaml'), stringify(secretConfig(dbs)));
    const config = loadConfig({}, dir);
    for (const withValues of [true, false]) {
      const lines: string[] = [];
      const logger = createLogger(
        'info',
        { write: (l: string) => void lines.push(l) },
        withValues ? { secrets: secretValues(config) } : {},
      );
      // Sections and the whole config as fields: the marks' paths alone mask these.
      logger.info(config, 'the configuration');
      for (const section of ['plex', 'tautulli', 'host', 'sheets', 'privacy', 'server', 'discord'] as const)
        logger.info({ [section]: config[section] }, section);
      if (withValues) {
        // Anywhere else: a message, an error's text, a nested field.
        logger.warn(`GET ${config.plex.url} failed`);
        logger.error({ err: new Error(`rejected ${config.tautulli.apiKey}`), deep: { a: { b: config.discord!.webhookUrl } } }, 'x');
      }
      expect(leaks(lines.join('\n')), `secrets option: ${withValues}`).toEqual([]);
    }
  });

  it('keeps every secret out of a running server: its log lines and /health', async () => {
    const lines: string[] = [];
    const dbs = copyFixtureDbs('tiny');
    const doc = secretConfig(dbs);
    // This instance reads the databases; the URL-borne secrets ride along unused.
    const m = await startTestMarquee({ dbs, yaml: stringify(doc), logTo: { write: (l) => void lines.push(l) } });
    try {
      const health = await (await fetch(`${m.url}/health`)).text();
      expect(leaks(health)).toEqual([]);
      expect(leaks(lines.join('\n'))).toEqual([]);
      expect(lines.length).toBeGreaterThan(0);
    } finally {
      await m.stop();
    }
  }, 60_000);
});
