import proxyaddr from 'proxy-addr';
import cron from 'node-cron';
import { z } from 'zod';
import { metricsConfigSchema } from '../metrics/config.js';
import { SERVER_ID } from '../snapshot/server-key.js';

/**
 * The one definition of Marquee's configuration. Every key has a default so that an empty file (or
 * none at all: demo mode) is a valid configuration; `.strict()` objects make a misspelt key an error
 * that names it instead of a setting silently ignored.
 */

/**
 * Marks a secret setting: the one mark every redaction derives from (config/secrets.ts), and the
 * environment variable that sets it (`<env>_FILE` reads it from a file). `url`: only the URL's
 * credentials are secret (password, key-like query parameters, a webhook's token).
 */
const secret = (kind: 'value' | 'url', env: string) => ({ secret: kind, env });

/**
 * What Express's `trust proxy` accepts, asked of proxy-addr itself (Express compiles the setting with
 * it): keywords, addresses, address/prefix or IPv4 address/netmask, comma-separated or a list.
 */
function validTrustProxy(value: boolean | number | string | string[]): boolean {
  if (typeof value !== 'string' && !Array.isArray(value)) return true;
  try {
    proxyaddr.compile(typeof value === 'string' ? value.split(',').map((v) => v.trim()) : value);
    return true;
  } catch {
    return false;
  }
}

/** The scheduler's own validator, so an expression it would refuse at start fails here instead. */
const cronExpression = z
  .string()
  .refine((expr) => cron.validate(expr), 'must be a cron expression node-cron accepts: 5 or 6 fields (seconds optional)');

/** What Intl accepts is what rendering and metrics use: anything else would fail every image, not the start. */
const quoted = (v: unknown) => JSON.stringify(String(v).slice(0, 64));
const timeZoneSchema = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { error: (iss) => `unknown time zone ${quoted(iss.input)}: use an IANA name such as Europe/Paris, or UTC` },
);
/** This host's zone as Intl sees it (TZ, else /etc/localtime); UTC if it names none Intl knows. */
function systemTimeZone(): string {
  const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  return timeZoneSchema.safeParse(zone).success ? zone : 'UTC';
}
const localeSchema = z.string().refine(
  (tag) => {
    try {
      // A well-formed tag this Node.js has no data for would silently format as another locale.
      return Intl.NumberFormat.supportedLocalesOf(tag).length === 1;
    } catch {
      return false;
    }
  },
  { error: (iss) => `unknown locale ${quoted(iss.input)}: use a BCP 47 tag such as en-US or de-DE` },
);

export const thresholdsSchema = z
  .object({
    busyStreams: z.number().int().positive().default(3),
    overloadedStreams: z.number().int().positive().default(8),
    busyTranscodes: z.number().int().positive().default(2),
    overloadedTranscodes: z.number().int().positive().default(4),
    busyCpuPct: z.number().min(0).max(100).default(70),
    overloadedCpuPct: z.number().min(0).max(100).default(90),
  })
  .strict()
  .refine((t) => t.overloadedStreams >= t.busyStreams, {
    message: 'overloadedStreams must be >= busyStreams',
    path: ['overloadedStreams'],
  })
  .refine((t) => t.overloadedCpuPct >= t.busyCpuPct, {
    message: 'overloadedCpuPct must be >= busyCpuPct',
    path: ['overloadedCpuPct'],
  });

export const privacySchema = z
  .object({
    userNames: z.enum(['hidden', 'initials', 'pseudonym', 'shown']).default('hidden'),
    watching: z.enum(['shown', 'type-only', 'hidden']).default('type-only'),
    thumbnails: z.enum(['blur', 'hide', 'show']).default('blur'),
    blurSigma: z.number().min(0.3).max(100).default(8),
    /** Library sections (by name or id) whose titles never appear and whose counts stay private. */
    privateSections: z.array(z.union([z.string(), z.number().int()])).default([]),
    /** Secret for pseudonyms; without it pseudonyms fall back to a per-install random secret. */
    pseudonymSecret: z.string().min(16).meta(secret('value', 'MARQUEE_PSEUDONYM_SECRET')).optional(),
    /** Round public counts to 2 significant digits (1,234 -> 1,200). */
    roundCounts: z.boolean().default(false),
    /** Round bandwidth to this many kbps (e.g. 5000 = nearest 5 Mbps); 0 = exact. */
    roundBandwidthKbps: z.number().int().min(0).default(0),
    /** Show a stream only once it has been playing this long. */
    nowPlayingDelayS: z.number().int().min(0).default(0),
    /**
     * Let images show what was recently added (posters, counts per day). It reveals library content,
     * so the owner opts in; off, the list never leaves the collector.
     */
    recentlyAdded: z.boolean().default(false),
  })
  .strict();

const sheetsSchema = z
  .object({
    spreadsheetId: z.string().min(10),
    /** Origin only (scheme://host:port): the Google client drops any path. */
    rootUrl: z
      .url()
      .refine((u) => new URL(u).pathname === '/' && !new URL(u).search, 'must be an origin, e.g. https://sheets.googleapis.com')
      .optional(),
    keyFile: z.string().optional(),
    credentialsJson: z.string().meta(secret('value', 'MARQUEE_SHEETS_CREDENTIALS_JSON')).optional(),
    readerTtlS: z.number().min(1).default(60),
    /** How long one cycle's write may keep retrying; keep it under the collection interval. */
    writeBudgetMs: z.number().int().min(100).default(20_000),
    historyMaxRows: z.number().int().positive().default(50_000),
  })
  .strict();

const imageSchema = z
  .object({
    template: z.string().min(1),
    theme: z.string().min(1).default('dark'),
    /** Cache-Control max-age the owner chooses, and the floor a request cannot go under. */
    maxAgeS: z.number().int().min(0).default(60),
    minMaxAgeS: z.number().int().min(0).default(30),
    /** GitHub's camo proxy caches aggressively: serve no-cache + validators instead. */
    cacheMode: z.enum(['max-age', 'no-cache']).default('max-age'),
    alt: z.string().optional(),
  })
  .strict();

const plexSchema = z
  .object({
    /** The library database; where it is set it is read, else the HTTP API at `url` (issue 14). */
    db: z.string().optional(),
    url: z.url().meta(secret('url', 'MARQUEE_PLEX_URL')).optional(),
    token: z.string().meta(secret('value', 'MARQUEE_PLEX_TOKEN')).optional(),
    /** A CA certificate (PEM) for a Plex with a self-signed certificate (*.plex.direct ones are valid). */
    caFile: z.string().optional(),
    /** Report "offline" when no Plex Media Server process runs on this host. */
    processCheck: z.boolean().default(false),
  })
  .strict()
  .default({ processCheck: false });

const tautulliSchema = z
  .object({
    /** The database; where it is set it is read, else Tautulli's API v2 at `url` with `apiKey`. */
    db: z.string().optional(),
    url: z.url().meta(secret('url', 'MARQUEE_TAUTULLI_URL')).optional(),
    apiKey: z.string().min(1).meta(secret('value', 'MARQUEE_TAUTULLI_API_KEY')).optional(),
    caFile: z.string().optional(),
    /**
     * Tautulli rewrites a playing session's row every few seconds; "playing" rows in a database
     * nobody has written for this long mean Tautulli is down, and the section goes stale instead
     * of showing ghost streams. 0 turns the check off.
     */
    sessionsStaleAfterS: z.number().int().min(0).default(600),
    /**
     * Mirror of Tautulli's Settings > General > "Group History" (GROUP_HISTORY_TABLES, on by
     * default), which lives in its config.ini: off, every resumed segment counts as a play.
     */
    groupHistory: z.boolean().default(true),
  })
  .strict()
  .refine((t) => t.db || !t.url || t.apiKey, {
    message: 'tautulli.url needs tautulli.apiKey (Settings > Web Interface > API)',
    path: ['apiKey'],
  })
  .default({ sessionsStaleAfterS: 600, groupHistory: true });

/**
 * The Plex host's hardware. Unset: this machine's (Marquee runs beside Plex). With `url`: a
 * Prometheus node_exporter on the Plex host (Marquee runs elsewhere), read over HTTP.
 */
const hostSchema = z
  .object({
    url: z.url().meta(secret('url', 'MARQUEE_HOST_METRICS_URL')).optional(),
    /** node_exporter's own basic auth (its --web.config.file), if set. */
    username: z.string().optional(),
    password: z.string().meta(secret('value', 'MARQUEE_HOST_METRICS_PASSWORD')).optional(),
    caFile: z.string().optional(),
  })
  .strict()
  .refine((h) => !h.password || h.username, { message: 'host.password needs host.username', path: ['username'] })
  .default({});

/**
 * A section's settings with their defaults taken off, each optional: what a `servers` entry may
 * override. Without the defaults an unset key stays unset, so the merge over the global section
 * (config/servers.ts) knows which keys the entry set and which it inherits.
 */
function overridesOf<S extends z.ZodRawShape>(section: z.ZodObject<S>) {
  const shape = Object.fromEntries(
    Object.entries(section.shape).map(([key, field]) => [
      key,
      ((field instanceof z.ZodDefault ? field.unwrap() : field) as z.ZodType).optional(),
    ]),
  );
  return z.object(shape) as unknown as z.ZodObject<{
    [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer Inner> ? Inner : S[K]>;
  }>;
}

/** A server's own thresholds: each key set here replaces the global one (the pair rules run on the merge). */
const thresholdsOverrideSchema = overridesOf(thresholdsSchema).strict();

/**
 * A server's own privacy: each key set here replaces the global one. It may hide more than the
 * global policy; showing more (a weaker setting) is refused unless `widen: true` says it is meant.
 */
const privacyOverrideSchema = overridesOf(privacySchema)
  .extend({
    /** The owner's explicit word that this server may show more than the global policy. */
    widen: z.boolean().optional(),
  })
  .strict();

/**
 * One Plex server of the network (issue 20): the same plex, tautulli and host blocks a one-server
 * config has at its top level, and its own overrides of the global thresholds and privacy.
 */
const serverSchema = z
  .object({
    /** Used in URLs (/i/<id>/<image>.png) and store keys: YAML reads `id: 2` as a number, taken as "2". */
    id: z.preprocess(
      (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? String(v) : v),
      z
        .string()
        .regex(
          SERVER_ID,
          'must be URL-safe: lower-case letters, digits and -, 1 to 32 characters, starting and ending with a letter or digit',
        ),
    ),
    /** What images and pages call the server; the id when unset. */
    name: z.string().trim().min(1, 'must not be empty').max(64).optional(),
    plex: plexSchema,
    tautulli: tautulliSchema,
    host: hostSchema,
    thresholds: thresholdsOverrideSchema.optional(),
    privacy: privacyOverrideSchema.optional(),
  })
  .strict();

export const configSchema = z
  .object({
    plex: plexSchema,
    tautulli: tautulliSchema,
    host: hostSchema,
    /**
     * Several Plex servers (issue 20): each entry brings its own plex/tautulli/host. Unset: one
     * server, from the top-level plex/tautulli/host, as before.
     */
    servers: z
      .array(serverSchema)
      .min(1, 'the list is empty: list each server, or remove servers: to read the top-level plex and tautulli')
      .optional(),
    dataDir: z.string().default('./data'),
    server: z
      .object({
        host: z.string().default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(8080),
        publicUrl: z.url().optional(),
        renderTimeoutMs: z.number().int().min(100).max(9000).default(4000),
        renderCacheBytes: z
          .number()
          .int()
          .positive()
          // A render-minute of 64 image variants is about 3 MB of PNGs, and entries of past minutes are
          // never asked for again: 16 MB holds several minutes of that without pinning dead bytes.
          .default(16 * 1024 * 1024),
        /**
         * Bytes of renders kept for versioned URLs (what `/embed` and Discord posts link), in the
         * data directory's database, least recently fetched out first. A pin is 20-80 kB, so the
         * default keeps several thousand posted images across restarts.
         */
        pinCacheBytes: z
          .number()
          .int()
          .min(1024 * 1024)
          .default(200 * 1024 * 1024),
        /**
         * Each client's render budget per minute, in 1x signatures (600x200 pixels): a render costs
         * the pixels it draws (an og@2x about 25). Cached answers cost nothing.
         */
        rateLimitPerMinute: z.number().int().positive().default(600),
        /**
         * Express's `trust proxy` (https://expressjs.com/en/guide/behind-proxies.html): true, a hop
         * count, or the proxies' addresses/subnets (`loopback`, `10.0.0.0/8`, ...). Set it behind a
         * reverse proxy, or every visitor shares the proxy's budget. Off: X-Forwarded-For is ignored.
         */
        /**
         * Key for ETags and versioned URLs; without it a random one is kept in `data/etag.secret`.
         * Give every renderer behind one address the same value, so each knows the others' `/v/` URLs.
         */
        etagSecret: z.string().min(16).meta(secret('value', 'MARQUEE_ETAG_SECRET')).optional(),
        trustProxy: z
          .union([z.boolean(), z.number().int().min(0), z.string(), z.array(z.string())])
          .refine(validTrustProxy, 'must be true/false, a hop count, or addresses/subnets and loopback, linklocal, uniquelocal')
          .default(false),
        /** Connections open at once; more are closed as they arrive. */
        maxConnections: z.number().int().positive().default(1024),
        /** A connection with no request in progress is closed after this long without a byte. */
        idleTimeoutMs: z.number().int().min(1000).default(10_000),
        headersTimeoutMs: z.number().int().min(1000).default(5_000),
        requestTimeoutMs: z.number().int().min(1000).default(10_000),
        keepAliveTimeoutMs: z.number().int().min(100).default(5_000),
      })
      .strict()
      .refine((s) => s.headersTimeoutMs <= s.requestTimeoutMs, {
        message: 'headersTimeoutMs must be <= requestTimeoutMs',
        path: ['headersTimeoutMs'],
      })
      .default({
        host: '0.0.0.0',
        port: 8080,
        renderTimeoutMs: 4000,
        renderCacheBytes: 16 * 1024 * 1024,
        pinCacheBytes: 200 * 1024 * 1024,
        rateLimitPerMinute: 600,
        trustProxy: false,
        maxConnections: 1024,
        idleTimeoutMs: 10_000,
        headersTimeoutMs: 5_000,
        requestTimeoutMs: 10_000,
        keepAliveTimeoutMs: 5_000,
      }),
    /**
     * Prometheus metrics (text format) for Grafana and friends: off by default. On, at /metrics on the
     * server's port, or with `port` on a listener of their own (e.g. reachable from the LAN only).
     * Scraping never triggers a collection; no label carries a name or a title.
     */
    prometheus: z
      .object({
        enabled: z.boolean().default(false),
        port: z.number().int().min(1).max(65535).optional(),
        host: z.string().optional(),
      })
      .strict()
      .default({ enabled: false }),
    collector: z
      .object({
        enabled: z.boolean().default(true),
        schedule: cronExpression.default('*/30 * * * * *'),
        sourceTimeoutMs: z.number().int().positive().default(10_000),
      })
      .strict()
      .default({ enabled: true, schedule: '*/30 * * * * *', sourceTimeoutMs: 10_000 }),
    history: z
      .object({ retentionDays: z.number().int().positive().default(30) })
      .strict()
      .default({ retentionDays: 30 }),
    store: z
      .object({
        write: z.enum(['sqlite', 'sheets', 'both']).default('sqlite'),
        read: z.enum(['sqlite', 'sheets']).default('sqlite'),
      })
      .strict()
      .default({ write: 'sqlite', read: 'sqlite' }),
    sheets: sheetsSchema.optional(),
    render: z
      .object({
        locale: localeSchema.default('en-US'),
        /** Unset: TZ (load.ts), else the system's zone, as every other program on the host shows time. */
        timeZone: timeZoneSchema.default(systemTimeZone),
        staleAfterS: z.number().int().positive().default(300),
        templatesDir: z.string().optional(),
        themesDir: z.string().optional(),
      })
      .strict()
      // prefault: an absent section is parsed as {}, so the time zone default runs too.
      .prefault({}),
    thresholds: thresholdsSchema.default({
      busyStreams: 3,
      overloadedStreams: 8,
      busyTranscodes: 2,
      overloadedTranscodes: 4,
      busyCpuPct: 70,
      overloadedCpuPct: 90,
    }),
    privacy: privacySchema.default({
      userNames: 'hidden',
      watching: 'type-only',
      thumbnails: 'blur',
      blurSigma: 8,
      privateSections: [],
      roundCounts: false,
      roundBandwidthKbps: 0,
      nowPlayingDelayS: 0,
      recentlyAdded: false,
    }),
    images: z.record(z.string().regex(/^[a-z0-9][a-z0-9_]*$/, 'image names are lower-case letters, digits and _'), imageSchema).optional(),
    discord: z
      .object({
        /** A channel webhook (Server settings -> Integrations -> Webhooks). Secret: never logged. */
        webhookUrl: z.url().meta(secret('url', 'MARQUEE_DISCORD_WEBHOOK_URL')),
        image: z.string().default('og'),
        intervalS: z.number().int().min(60).default(300),
        title: z.string().max(256).default('Plex server status'),
      })
      .strict()
      .optional(),
    metrics: metricsConfigSchema.default({}),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.discord && !c.server.publicUrl) {
      ctx.addIssue({
        code: 'custom',
        path: ['server', 'publicUrl'],
        message: 'required when discord is set: Discord must fetch the image from a public address',
      });
    }
    if ((c.store.write !== 'sqlite' || c.store.read === 'sheets') && !c.sheets) {
      ctx.addIssue({ code: 'custom', path: ['sheets'], message: 'required when store.write or store.read uses sheets' });
    }
    if (c.sheets && !c.sheets.keyFile && !c.sheets.credentialsJson && (c.store.write !== 'sqlite' || c.store.read === 'sheets')) {
      ctx.addIssue({
        code: 'custom',
        path: ['sheets', 'keyFile'],
        message: 'set sheets.keyFile, GOOGLE_APPLICATION_CREDENTIALS or MARQUEE_SHEETS_CREDENTIALS_JSON',
      });
    }
  });

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedServer = z.output<typeof serverSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
