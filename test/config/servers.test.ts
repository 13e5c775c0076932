import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig, serverView, type Config } from '../../src/config/load.js';
import { redactConfig, secretValues } from '../../src/config/secrets.js';
import { createLogger } from '../../src/logging/logger.js';
import { configFile, runCli } from '../drills/support/cli.js';
import { copyFixtureDbs } from '../support/fixtures.js';

/**
 * Several Plex servers in one config (issue 20): a `servers:` list whose entries each have an id,
 * a name, their own plex/tautulli/host blocks and overrides of the global thresholds and privacy.
 * A config without the list is one server and reads exactly as before, variables included.
 *
 * Expected values are written out from the YAML each test writes (paths, names, the orderings of
 * the privacy settings from the issue's design), never read back from the code under test.
 */

function load(doc: Record<string, unknown> | string, env: Record<string, string> = {}): Config {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-servers-'));
  writeFileSync(path.join(dir, 'marquee.yaml'), typeof doc === 'string' ? doc : stringify(doc));
  return loadConfig(env, dir);
}

function errorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** The ids the design's demo and examples use, with databases that need not exist to load. */
const home = { id: 'home', name: 'Home', plex: { db: '/srv/home/plex.db' }, tautulli: { db: '/srv/home/tautulli.db' } };
const fourK = { id: '4k', name: '4K', plex: { db: '/srv/4k/plex.db' }, tautulli: { db: '/srv/4k/tautulli.db' } };

describe('a config without servers: is one server, as before', () => {
  const yaml = [
    'plex:',
    '  db: /srv/plex.db',
    '  url: http://127.0.0.1:32400',
    '  token: plex-token-0123',
    'tautulli:',
    '  db: /srv/tautulli.db',
    '  sessionsStaleAfterS: 120',
    'host:',
    '  url: http://127.0.0.1:9100',
    'thresholds:',
    '  busyStreams: 4',
    'privacy:',
    '  userNames: initials',
  ].join('\n');

  it('yields exactly one server, with the values the top level gives', () => {
    const config = load(yaml);
    expect(config.servers).toHaveLength(1);
    const [only] = config.servers;
    expect(only).toEqual({
      id: 'default',
      name: 'Plex',
      label: 'the server',
      demo: false,
      plex: { db: '/srv/plex.db', url: 'http://127.0.0.1:32400', token: 'plex-token-0123', processCheck: false },
      tautulli: { db: '/srv/tautulli.db', sessionsStaleAfterS: 120, groupHistory: true },
      host: { url: 'http://127.0.0.1:9100' },
      thresholds: {
        busyStreams: 4,
        overloadedStreams: 8,
        busyTranscodes: 2,
        overloadedTranscodes: 4,
        busyCpuPct: 70,
        overloadedCpuPct: 90,
      },
      privacy: {
        userNames: 'initials',
        watching: 'type-only',
        thumbnails: 'blur',
        blurSigma: 8,
        privateSections: [],
        roundCounts: false,
        roundBandwidthKbps: 0,
        nowPlayingDelayS: 0,
        recentlyAdded: false,
      },
    });
    expect(config.warnings).toEqual([]);
  });

  it('keeps the top-level plex, tautulli, host, thresholds and privacy equal to that server', () => {
    const config = load(yaml);
    const [only] = config.servers;
    expect([config.plex, config.tautulli, config.host, config.thresholds, config.privacy, config.demo]).toEqual([
      only!.plex,
      only!.tautulli,
      only!.host,
      only!.thresholds,
      only!.privacy,
      only!.demo,
    ]);
    // The server's view of the config is the config itself: one-server code sees no difference.
    expect(serverView(config, only!)).toEqual(config);
  });

  it('takes its databases, URLs and secrets from the environment variables, as before', () => {
    const config = load('', {
      MARQUEE_PLEX_DB: '/env/plex.db',
      MARQUEE_TAUTULLI_DB: '/env/tautulli.db',
      MARQUEE_PLEX_URL: 'http://127.0.0.1:32400',
      MARQUEE_PLEX_TOKEN: 'env-token-4567',
      MARQUEE_HOST_METRICS_URL: 'http://127.0.0.1:9100',
    });
    expect(config.demo).toBe(false);
    expect(config.servers).toHaveLength(1);
    expect(config.servers[0]).toMatchObject({
      id: 'default',
      plex: { db: '/env/plex.db', url: 'http://127.0.0.1:32400', token: 'env-token-4567' },
      tautulli: { db: '/env/tautulli.db' },
      host: { url: 'http://127.0.0.1:9100' },
    });
  });

  it('is the two-server demo when no Plex or Tautulli source is configured', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-servers-'));
    const config = loadConfig({}, dir);
    const demo = path.join(dir, 'data', 'demo');
    expect(config.demo).toBe(true);
    expect(config.servers.map((s) => [s.id, s.name, s.demo, s.plex.db, s.tautulli.db])).toEqual([
      ['home', 'Home', true, path.join(demo, 'com.plexapp.plugins.library.db'), path.join(demo, 'tautulli.db')],
      ['4k', '4K', true, path.join(demo, '4k', 'com.plexapp.plugins.library.db'), path.join(demo, '4k', 'tautulli.db')],
    ]);
    // Where the one-server demo always read, so code that reads the top level still finds data.
    expect([config.plex.db, config.tautulli.db]).toEqual([
      path.join(demo, 'com.plexapp.plugins.library.db'),
      path.join(demo, 'tautulli.db'),
    ]);
  });
});

describe('a servers: list', () => {
  it('gives each entry its id, name and sources, in the order written; database paths resolve like the top-level ones', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-servers-'));
    const remote = {
      id: 'friends',
      plex: { url: 'http://127.0.0.1:32401', token: 'friends-token-89' },
      tautulli: { url: 'http://127.0.0.1:8182', apiKey: 'friends-key-89' },
      host: { url: 'http://127.0.0.1:9101' },
    };
    const relative = { id: 'lab', name: 'Lab', plex: { db: 'lab/plex.db' }, tautulli: { db: './lab/tautulli.db' } };
    writeFileSync(path.join(dir, 'marquee.yaml'), stringify({ servers: [home, remote, relative] }));
    const config = loadConfig({}, dir);
    expect(config.demo).toBe(false);
    expect(config.servers.map((s) => [s.id, s.name, s.label, s.demo])).toEqual([
      ['home', 'Home', 'servers[0] (home)', false],
      // No name: the id is the name.
      ['friends', 'friends', 'servers[1] (friends)', false],
      ['lab', 'Lab', 'servers[2] (lab)', false],
    ]);
    expect(config.servers[1]).toMatchObject({
      plex: { db: '', url: 'http://127.0.0.1:32401', token: 'friends-token-89' },
      tautulli: { db: '', url: 'http://127.0.0.1:8182', apiKey: 'friends-key-89', sessionsStaleAfterS: 600, groupHistory: true },
      host: { url: 'http://127.0.0.1:9101' },
    });
    expect([config.servers[2]!.plex.db, config.servers[2]!.tautulli.db]).toEqual([
      path.join(dir, 'lab', 'plex.db'),
      path.join(dir, 'lab', 'tautulli.db'),
    ]);
  });

  it('keeps the top-level plex, tautulli and host equal to the first server, for one-server code', () => {
    const config = load({ servers: [fourK, home] });
    expect(config.plex).toEqual(config.servers[0]!.plex);
    expect(config.tautulli).toEqual(config.servers[0]!.tautulli);
    expect(config.host).toEqual(config.servers[0]!.host);
    expect(config.plex.db).toBe('/srv/4k/plex.db');
  });

  it('reads an id YAML takes for a number as its digits', () => {
    expect(load({ servers: [{ ...home, id: 2 }] }).servers[0]!.id).toBe('2');
  });

  it("gives each server the global thresholds with its own keys over them, and one server's view its own", () => {
    const config = load({
      thresholds: { busyStreams: 2, overloadedStreams: 6 },
      servers: [home, { ...fourK, thresholds: { overloadedStreams: 3, busyCpuPct: 50 } }],
    });
    const [h, k] = config.servers;
    expect(h!.thresholds).toMatchObject({ busyStreams: 2, overloadedStreams: 6, busyCpuPct: 70 });
    expect(k!.thresholds).toMatchObject({ busyStreams: 2, overloadedStreams: 3, busyCpuPct: 50, overloadedCpuPct: 90 });
    // The global thresholds stay the config's: the network's state is judged by them.
    expect(config.thresholds).toMatchObject({ busyStreams: 2, overloadedStreams: 6, busyCpuPct: 70 });
    const view = serverView(config, k!);
    expect([view.plex.db, view.tautulli.db, view.thresholds.overloadedStreams, view.servers]).toEqual([
      '/srv/4k/plex.db',
      '/srv/4k/tautulli.db',
      3,
      [k],
    ]);
  });

  it('checks the threshold pairs on the merge, naming the entry', () => {
    const err = errorOf(() =>
      load({ thresholds: { busyStreams: 5 }, servers: [home, { ...fourK, thresholds: { overloadedStreams: 4 } }] }),
    );
    expect(err.message).toContain('servers[1] (4k).thresholds.overloadedStreams: overloadedStreams must be >= busyStreams');
  });
});

describe('bad input: a clear message naming the entry', () => {
  it.each([
    ['an empty list', { servers: [] }, 'servers: the list is empty'],
    [
      'duplicate ids, naming both entries',
      { servers: [home, fourK, { ...fourK, id: 'home', plex: { db: '/srv/3/plex.db' }, tautulli: { db: '/srv/3/tautulli.db' } }] },
      'servers[2].id: "home" is already the id of servers[0] (Home)',
    ],
    ['an id with capitals', { servers: [home, { ...fourK, id: '4K' }] }, 'servers[1].id: must be URL-safe'],
    ['an id with a space', { servers: [{ ...home, id: 'my server' }] }, 'servers[0].id: must be URL-safe'],
    ['an id with a slash', { servers: [home, { ...fourK, id: 'a/b' }] }, 'servers[1].id: must be URL-safe'],
    ['an id with a query', { servers: [home, { ...fourK, id: 'x?y=1' }] }, 'servers[1].id: must be URL-safe'],
    ['an id starting with -', { servers: [home, { ...fourK, id: '-4k' }] }, 'servers[1].id: must be URL-safe'],
    ['an id with an accent', { servers: [home, { ...fourK, id: 'café' }] }, 'servers[1].id: must be URL-safe'],
    ["the network's store key as an id", { servers: [home, { ...fourK, id: '_network' }] }, 'servers[1].id: must be URL-safe'],
    ['an id of 33 characters', { servers: [home, { ...fourK, id: 'a'.repeat(33) }] }, 'servers[1].id: must be URL-safe'],
    ['no id', { servers: [home, { name: '4K', plex: fourK.plex }] }, 'servers[1].id: '],
    ['an empty name', { servers: [home, { ...fourK, name: '  ' }] }, 'servers[1] (4k).name: must not be empty'],
    ['a misspelt key in an entry', { servers: [home, { ...fourK, plexx: {} }] }, 'servers[1] (4k): Unrecognized key: "plexx"'],
    ['a misspelt key in its plex', { servers: [home, { ...fourK, plex: { dbb: 'x' } }] }, 'servers[1] (4k).plex: Unrecognized key: "dbb"'],
    ['a database path that is not text', { servers: [home, { ...fourK, plex: { db: 42 } }] }, 'servers[1] (4k).plex.db: '],
    [
      'a Tautulli URL without its API key',
      { servers: [home, { ...fourK, tautulli: { url: 'http://127.0.0.1:8181' } }] },
      'servers[1] (4k).tautulli.apiKey: tautulli.url needs tautulli.apiKey',
    ],
    ['an entry that reads nothing', { servers: [home, { id: '4k' }] }, 'servers[1] (4k): reads nothing'],
    [
      'a top-level plex beside servers:',
      { plex: { db: '/srv/plex.db' }, servers: [home] },
      'plex: set at the top level beside servers: move it into each servers entry',
    ],
    [
      'a top-level host beside servers:',
      { host: { url: 'http://127.0.0.1:9100' }, servers: [home] },
      'host: set at the top level beside servers: move it into each servers entry',
    ],
    ['servers: that is not a list', { servers: { home } }, 'servers: '],
  ])('%s', (_what, doc, message) => {
    expect(errorOf(() => load(doc)).message).toContain(message);
  });

  it('names the entry by index alone when its id is the bad part, and lists every problem at once', () => {
    const err = errorOf(() =>
      load({
        servers: [
          { ...home, id: 'Home', plex: { db: 1 } },
          { ...fourK, tautulli: { dbb: '' } },
        ],
      }),
    );
    expect(err.issues).toEqual([
      expect.stringMatching(/^servers\[0\]\.id: must be URL-safe/),
      expect.stringMatching(/^servers\[0\]\.plex\.db: /),
      expect.stringMatching(/^servers\[1\] \(4k\)\.tautulli: Unrecognized key: "dbb"/),
    ]);
  });

  it.each([
    ['MARQUEE_PLEX_DB', '/env/plex.db', 'plex.db'],
    ['MARQUEE_TAUTULLI_DB', '/env/tautulli.db', 'tautulli.db'],
    ['MARQUEE_PLEX_TOKEN', 'env-token-4567', 'plex.token'],
    ['MARQUEE_TAUTULLI_URL', 'http://127.0.0.1:8181', 'tautulli.url'],
    ['MARQUEE_HOST_METRICS_URL', 'http://127.0.0.1:9100', 'host.url'],
  ])('refuses %s beside servers:, naming the variable (it cannot say which server it is for)', (name, value, key) => {
    const err = errorOf(() => load({ servers: [home, fourK] }, { [name]: value }));
    expect(err.message).toContain(`${name}: sets ${key}, which a config with servers: takes from each entry`);
    // The refused value is not quoted: it may be a secret.
    expect(err.message).not.toContain(value);
  });

  it('refuses a secret read from a _FILE variable beside servers:, naming that variable', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-servers-'));
    const file = path.join(dir, 'key');
    writeFileSync(file, 'file-key-0123\n');
    const err = errorOf(() => load({ servers: [home] }, { MARQUEE_TAUTULLI_API_KEY_FILE: file }));
    expect(err.message).toContain('MARQUEE_TAUTULLI_API_KEY_FILE: sets tautulli.apiKey');
    expect(err.message).not.toContain('file-key-0123');
  });

  it('keeps the variables that are not per server working beside servers:', () => {
    const config = load({ servers: [home, fourK] }, { MARQUEE_PORT: '9100', MARQUEE_DATA_DIR: '/var/marquee', MARQUEE_TZ: 'Europe/Paris' });
    expect([config.server.port, config.dataDir, config.render.timeZone]).toEqual([9100, '/var/marquee', 'Europe/Paris']);
  });

  describe('two servers pointing at the same files: a warning, and the config loads', () => {
    it('the same Tautulli database, written two ways', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'marquee-servers-'));
      const copy = { ...fourK, tautulli: { db: path.join(dir, 'shared', 'tautulli.db') } };
      writeFileSync(path.join(dir, 'marquee.yaml'), stringify({ servers: [{ ...home, tautulli: { db: './shared/tautulli.db' } }, copy] }));
      const config = loadConfig({}, dir);
      expect(config.servers).toHaveLength(2);
      expect(config.warnings).toEqual([
        `servers[1] (4k) reads the same Tautulli database ${path.join(dir, 'shared', 'tautulli.db')} as servers[0] (home): the network would count that server twice`,
      ]);
    });

    it('the same Plex database', () => {
      const config = load({ servers: [home, { ...fourK, plex: home.plex }] });
      expect(config.warnings).toEqual([
        'servers[1] (4k) reads the same Plex database /srv/home/plex.db as servers[0] (home): the network would count that server twice',
      ]);
    });

    it('the same Tautulli address with other keys, without quoting either key', () => {
      const api = (key: string) => ({ url: `http://127.0.0.1:8181/?apikey=${key}`, apiKey: key });
      const config = load({
        servers: [
          { id: 'a', plex: home.plex, tautulli: api('first-key-0123') },
          { id: 'b', plex: fourK.plex, tautulli: api('second-key-4567') },
        ],
      });
      expect(config.warnings).toEqual([
        'servers[1] (b) reads the same Tautulli at http://127.0.0.1:8181 as servers[0] (a): the network would count that server twice',
      ]);
    });

    it('and none for servers that only share this machine as their host', () => {
      expect(load({ servers: [home, fourK] }).warnings).toEqual([]);
    });
  });
});

describe("a server's privacy never shows more than the global policy unless it says widen: true", () => {
  /**
   * The orderings of the issue's design, from the most hiding to the most showing, written out here:
   * userNames hidden < initials < pseudonym < shown; watching hidden < type-only < shown;
   * thumbnails hide < blur < show; fewer private sections, recentlyAdded on, roundCounts off, a
   * finer bandwidth rounding, a shorter now-playing delay and a lighter blur all show more.
   */
  const global = {
    userNames: 'initials',
    watching: 'type-only',
    thumbnails: 'blur',
    blurSigma: 8,
    privateSections: ['Home Videos', 7],
    roundCounts: true,
    roundBandwidthKbps: 5000,
    nowPlayingDelayS: 60,
    recentlyAdded: false,
  };
  const withOverride = (privacy: Record<string, unknown>) => ({ privacy: global, servers: [home, { ...fourK, privacy }] });

  it.each([
    ['userNames', { userNames: 'pseudonym' }],
    ['userNames', { userNames: 'shown' }],
    ['watching', { watching: 'shown' }],
    ['thumbnails', { thumbnails: 'show' }],
    ['blurSigma', { blurSigma: 2 }],
    ['privateSections', { privateSections: ['Home Videos'] }],
    ['privateSections', { privateSections: [] }],
    ['recentlyAdded', { recentlyAdded: true }],
    ['roundCounts', { roundCounts: false }],
    ['roundBandwidthKbps', { roundBandwidthKbps: 1000 }],
    ['roundBandwidthKbps', { roundBandwidthKbps: 0 }],
    ['nowPlayingDelayS', { nowPlayingDelayS: 0 }],
  ])('refuses a wider %s (%j), naming the entry and the setting', (key, privacy) => {
    const err = errorOf(() => load(withOverride(privacy)));
    expect(err.issues).toEqual([expect.stringMatching(new RegExp(`^servers\\[1\\] \\(4k\\)\\.privacy\\.${key}: .*widen: true`))]);
  });

  it.each([
    { userNames: 'shown', watching: 'shown', thumbnails: 'show' },
    { privateSections: [], recentlyAdded: true, roundCounts: false },
    { roundBandwidthKbps: 0, nowPlayingDelayS: 0, blurSigma: 1 },
  ])('accepts the same with widen: true (%j), and the server shows what it says', (privacy) => {
    const config = load(withOverride({ ...privacy, widen: true }));
    expect(config.servers[1]!.privacy).toEqual({ ...global, ...privacy });
    // The flag is the override's own word, not a privacy setting of the server.
    expect(config.servers[1]!.privacy).not.toHaveProperty('widen');
    // The other server and the network keep the global policy.
    expect(config.servers[0]!.privacy).toEqual(global);
    expect(config.privacy).toEqual(global);
  });

  it('accepts a server that hides more without widen: true', () => {
    const narrower = {
      userNames: 'hidden',
      watching: 'hidden',
      thumbnails: 'hide',
      blurSigma: 20,
      privateSections: ['Home Videos', 7, '4K Remux'],
      nowPlayingDelayS: 300,
      roundBandwidthKbps: 10000,
    };
    expect(load(withOverride(narrower)).servers[1]!.privacy).toEqual({ ...global, ...narrower });
  });

  it('inherits every setting the override does not set, and lists every wider one at once', () => {
    const err = errorOf(() => load(withOverride({ userNames: 'shown', recentlyAdded: true, thumbnails: 'hide' })));
    expect(err.issues.map((i) => i.split(':')[0])).toEqual(['servers[1] (4k).privacy.userNames', 'servers[1] (4k).privacy.recentlyAdded']);
  });

  it('refuses an unknown privacy key in an entry', () => {
    expect(errorOf(() => load(withOverride({ userName: 'shown' }))).message).toContain(
      'servers[1] (4k).privacy: Unrecognized key: "userName"',
    );
  });
});

describe('secrets inside servers entries', () => {
  const SECRETS = {
    token: 'entry-plex-token-5f1e',
    apiKey: 'entry-tautulli-key-9c2d',
    password: 'entry-host-password-3b7a',
    pseudonym: 'entry-pseudonym-secret-0123456789',
    inUrl: 'entry-token-in-url-8e4f',
  };
  const doc = {
    servers: [
      home,
      {
        id: '4k',
        plex: { url: `http://127.0.0.1:9/?X-Plex-Token=${SECRETS.inUrl}`, token: SECRETS.token },
        tautulli: { url: 'http://127.0.0.1:9/', apiKey: SECRETS.apiKey },
        host: { url: 'http://127.0.0.1:9/metrics', username: 'node', password: SECRETS.password },
        privacy: { pseudonymSecret: SECRETS.pseudonym },
      },
    ],
  };
  const leaks = (text: string) => Object.values(SECRETS).filter((s) => text.includes(s));

  it('are masked in the printed configuration, in every entry', () => {
    const config = load(doc);
    const printed = JSON.stringify(redactConfig(config));
    expect(leaks(printed)).toEqual([]);
    const redacted = redactConfig(config) as { servers: Array<Record<string, Record<string, string>>> };
    // Masked, not dropped: the reader still sees which settings are set and where URLs point.
    expect(redacted.servers[1]!.plex).toMatchObject({ token: '***', url: 'http://127.0.0.1:9/?X-Plex-Token=***' });
    expect(redacted.servers[1]!.tautulli!.apiKey).toBe('***');
    expect(redacted.servers[1]!.host!.password).toBe('***');
    expect(redacted.servers[1]!.privacy!.pseudonymSecret).toBe('***');
  });

  it('are among the values every output scrubs', () => {
    const values = secretValues(load(doc));
    expect(values).toEqual(expect.arrayContaining(Object.values(SECRETS)));
  });

  it('stay out of the log, logged as a whole config, a server or a section', () => {
    const config = load(doc);
    const lines: string[] = [];
    const logger = createLogger('info', { write: (l: string) => void lines.push(l) }, { secrets: secretValues(config) });
    logger.info(config, 'the configuration');
    logger.info({ server: config.servers[1] }, 'a server');
    logger.info({ plex: config.servers[1]!.plex }, 'a section');
    logger.warn(`GET ${config.servers[1]!.plex.url} failed with ${config.servers[1]!.tautulli.apiKey}`);
    expect(lines).toHaveLength(4);
    expect(leaks(lines.join('\n'))).toEqual([]);
  });
});

describe('check-config with several servers', () => {
  it('prints each server, masked, and probes each remote source naming its entry', async () => {
    const a = copyFixtureDbs('tiny');
    const yaml = stringify({
      servers: [
        { id: 'home', name: 'Home', plex: { db: a.plexDb }, tautulli: { db: a.tautulliDb } },
        // Nothing listens on port 9: the probes fail, and say so naming the server, without secrets.
        {
          id: '4k',
          name: '4K',
          plex: { url: 'http://127.0.0.1:9/?X-Plex-Token=probe-token-in-url-77', token: 'probe-token-1234' },
          tautulli: { url: 'http://127.0.0.1:9/', apiKey: 'probe-key-5678' },
        },
      ],
    });
    const run = runCli(['check-config'], { MARQUEE_CONFIG: configFile(yaml) });
    const { code } = await run.exited;
    expect(code, run.stderr()).toBe(1);
    const out = run.stdout() + run.stderr();
    for (const secret of ['probe-token-in-url-77', 'probe-token-1234', 'probe-key-5678']) expect(out).not.toContain(secret);
    expect(run.stderr()).toContain(
      `servers[0] (home): "Home": plex database ${a.plexDb}; tautulli database ${a.tautulliDb}; host this machine`,
    );
    expect(run.stderr()).toContain(
      'servers[1] (4k): "4K": plex API http://127.0.0.1:9; tautulli API http://127.0.0.1:9; host this machine',
    );
    expect(run.stderr()).toMatch(/^servers\[1\] \(4k\) plex: FAILED http:\/\/127\.0\.0\.1:9: /m);
    expect(run.stderr()).toMatch(/^servers\[1\] \(4k\) tautulli: FAILED http:\/\/127\.0\.0\.1:9: /m);
    const report = JSON.parse(run.stdout()) as {
      ok: boolean;
      config: { servers: Array<{ id: string; plex: { token?: string } }> };
      remote: Array<{ server: string; source: string; ok: boolean }>;
    };
    expect(report.ok).toBe(false);
    expect(report.config.servers.map((s) => [s.id, s.plex.token])).toEqual([
      ['home', undefined],
      ['4k', '***'],
    ]);
    expect(report.remote.map((r) => [r.server, r.source, r.ok]).sort()).toEqual([
      ['4k', 'plex', false],
      ['4k', 'tautulli', false],
    ]);
  }, 60_000);

  it("fails on one server's private section its Plex does not have, naming that server", async () => {
    const a = copyFixtureDbs('tiny');
    const b = copyFixtureDbs('tiny');
    const yaml = stringify({
      servers: [
        { id: 'home', plex: { db: a.plexDb }, tautulli: { db: a.tautulliDb } },
        { id: '4k', plex: { db: b.plexDb }, tautulli: { db: b.tautulliDb }, privacy: { privateSections: ['No Such Section'] } },
      ],
    });
    const run = runCli(['check-config'], { MARQUEE_CONFIG: configFile(yaml) });
    expect((await run.exited).code).toBe(2);
    expect(run.stderr()).toMatch(/servers\[1\] \(4k\).*privacy\.privateSections/);
    expect(run.stderr()).toContain('No Such Section');
    expect(run.stderr()).not.toMatch(/servers\[0\] \(home\): invalid/);
  }, 60_000);

  it('prints the warning for two servers reading the same files, and passes', async () => {
    const a = copyFixtureDbs('tiny');
    const b = copyFixtureDbs('tiny');
    const yaml = stringify({
      servers: [
        { id: 'home', plex: { db: a.plexDb }, tautulli: { db: a.tautulliDb } },
        { id: 'copy', plex: { db: b.plexDb }, tautulli: { db: a.tautulliDb } },
      ],
    });
    const run = runCli(['check-config'], { MARQUEE_CONFIG: configFile(yaml) });
    expect((await run.exited).code, run.stderr()).toBe(0);
    const warning = `servers[1] (copy) reads the same Tautulli database ${a.tautulliDb} as servers[0] (home): the network would count that server twice`;
    expect(run.stderr()).toContain(`warning: ${warning}`);
    expect((JSON.parse(run.stdout()) as { warnings: string[] }).warnings).toContain(warning);
  }, 60_000);

  it('names the entry and exits 2 on a bad list, before reading anything', async () => {
    const run = runCli(['check-config'], { MARQUEE_CONFIG: configFile(stringify({ servers: [home, { ...home, name: 'Again' }] })) });
    expect((await run.exited).code).toBe(2);
    expect(run.stderr()).toContain('servers[1].id: "home" is already the id of servers[0] (Home)');
  }, 60_000);
});
