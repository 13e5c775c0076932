import type { Snapshot, SourceName, SourceStatus } from '../snapshot/schema.js';
import { SOURCE_ERROR_MESSAGES, type SourceErrorCode } from '../sources/result.js';
import { STORE_ERROR_MESSAGES, type StoreErrorCode, type StoreHealth } from '../stores/store.js';
import { metricsHealthChecks } from '../metrics/catalogue.js';
import { codePoint } from '../render/coverage.js';
import type { FontCoverage } from '../render/index.js';

/**
 * The health report in the shape of the IETF "Health Check Response Format for HTTP APIs" draft
 * (application/health+json): `status` pass | warn | fail and `checks` keyed "component:measurement",
 * each a list of observations. Uptime Kuma, Gatus and Docker HEALTHCHECK read the HTTP status:
 * 200 for pass and warn, 503 for fail.
 *
 * The report is public: a failing check says its error code and that code's fixed sentence, never
 * an error's own text (SQLite and file-system messages quote absolute paths, Google's quote the
 * spreadsheet id). The causes are in the log.
 */
export type HealthStatus = 'pass' | 'warn' | 'fail';

export interface HealthCheck {
  status: HealthStatus;
  componentType?: string;
  observedValue?: number | string;
  observedUnit?: string;
  time?: string;
  output?: string;
}

export interface HealthReport {
  status: HealthStatus;
  version: string;
  /** The draft's release identifier: this build's version (it changes with every release). */
  releaseId: string;
  description: string;
  checks: Record<string, HealthCheck[]>;
}

/**
 * Check keys are the draft's "componentName:measurementName": each source's measurement is how long
 * its read took (responseTime). Monitors address them by key (Uptime Kuma's JSON query needs
 * backticks around a key with a colon).
 */
const checkNames: Record<SourceName, string> = { plex: 'plex:responseTime', tautulli: 'tautulli:responseTime', host: 'host:responseTime' };

/** The draft's componentType: the two databases (or their APIs) are datastores, the host a system. */
const componentTypes: Record<SourceName, string> = { plex: 'datastore', tautulli: 'datastore', host: 'system' };

export interface HealthInput {
  snapshot: Snapshot | null;
  stores: ReadonlyArray<{ kind: string; health: StoreHealth }>;
  now: number;
  staleAfterMs: number;
  version: string;
  /** Renderer.fontCoverage for the configured locale(s) and this snapshot; no check without it. */
  fonts?: FontCoverage;
}

/** The report of one server (or of a Marquee with one server): the shape /health has always had. */
export function buildHealth(input: HealthInput): HealthReport {
  const { snapshot } = input;
  const own = snapshotChecks(snapshot, input.now, input.staleAfterMs);
  // Key order as it has always been: sources, stores, metrics, age, fonts.
  const checks: Record<string, HealthCheck[]> = { ...own.sources, ...storeChecks(input.stores), ...own.metrics, ...own.age };
  if (input.fonts) checks['render:fonts'] = [fontsCheck(input.fonts)];
  return report(checks, input.version);
}

/**
 * The report of several servers (issue 20): each server's checks under its id
 * (`home:plex:responseTime`, `4k:snapshot:age`), then the process's own (stores, fonts). The status
 * is the worst of them, as for one server: a monitor of the whole Marquee sees any server failing;
 * `/health/<server>` (buildHealth over that server's snapshot) watches one.
 */
export function buildNetworkHealth(
  input: Omit<HealthInput, 'snapshot'> & { servers: ReadonlyArray<{ id: string; snapshot: Snapshot | null }> },
): HealthReport {
  const checks: Record<string, HealthCheck[]> = {};
  for (const server of input.servers) {
    const own = snapshotChecks(server.snapshot, input.now, input.staleAfterMs);
    for (const [key, list] of Object.entries({ ...own.sources, ...own.metrics, ...own.age })) checks[`${server.id}:${key}`] = list;
  }
  Object.assign(checks, storeChecks(input.stores));
  if (input.fonts) checks['render:fonts'] = [fontsCheck(input.fonts)];
  return report(checks, input.version);
}

function report(checks: Record<string, HealthCheck[]>, version: string): HealthReport {
  const all = Object.values(checks).flat();
  const status: HealthStatus = all.some((c) => c.status === 'fail') ? 'fail' : all.some((c) => c.status === 'warn') ? 'warn' : 'pass';
  return { status, version, releaseId: version, description: 'Marquee: Plex status images', checks };
}

type Checks = Record<string, HealthCheck[]>;

/** What one snapshot says: its sources' reads, its metrics, and its age. */
function snapshotChecks(snapshot: Snapshot | null, now: number, staleAfterMs: number): { sources: Checks; metrics: Checks; age: Checks } {
  const sources: Checks = {};
  if (snapshot) {
    for (const [name, status] of Object.entries(snapshot.sources) as [SourceName, SourceStatus][]) {
      sources[checkNames[name]] = [sourceCheck(status, name, snapshot.takenAt)];
    }
  }
  const metrics: Checks = snapshot ? metricsHealthChecks(snapshot.metrics, snapshot.takenAt) : {};
  const ageS = snapshot ? Math.max(0, Math.round((now - snapshot.takenAt) / 1000)) : null;
  const age: Checks = {
    'snapshot:age': [
      ageS === null
        ? { status: 'fail', output: 'no snapshot collected yet' }
        : {
            status: ageS * 1000 > 2 * staleAfterMs ? 'fail' : ageS * 1000 > staleAfterMs ? 'warn' : 'pass',
            observedValue: ageS,
            observedUnit: 's',
            time: new Date(snapshot!.takenAt).toISOString(),
          },
    ],
  };
  return { sources, metrics, age };
}

function storeChecks(stores: HealthInput['stores']): Checks {
  const checks: Checks = {};
  for (const store of stores) {
    const h = store.health;
    checks[`store:${store.kind}`] = [
      {
        status: h.status === 'ok' ? 'pass' : h.status === 'stale' ? 'warn' : 'fail',
        componentType: 'datastore',
        ...(h.lastSuccessAt ? { time: new Date(h.lastSuccessAt).toISOString() } : {}),
        ...(h.status === 'ok' ? {} : { output: storeOutput(h) }),
      },
    ];
  }
  return checks;
}

/** The setting a rejected credential comes from, named (never shown) so the admin knows what to fix. */
const CREDENTIAL_SETTING: Readonly<Record<string, string>> = { plex: 'plex.token', tautulli: 'tautulli.apiKey', host: 'host.password' };

/** A source that failed this cycle is failing now, even if its last good data is still shown. */
function sourceCheck(s: SourceStatus, source: SourceName, observedAt: number): HealthCheck {
  return {
    status: s.status === 'ok' ? 'pass' : 'fail',
    componentType: componentTypes[source],
    // A source that did not answer has no response time; its check still says when it was tried.
    ...(s.status === 'ok' ? { observedValue: Math.round(s.durationMs), observedUnit: 'ms' } : {}),
    time: new Date(s.status === 'ok' && s.updatedAt ? s.updatedAt : observedAt).toISOString(),
    ...(s.error
      ? {
          output: `${s.status === 'stale' ? 'serving last good data; ' : ''}${publicText(s.error.code, SOURCE_ERROR_MESSAGES)}${
            s.error.code === 'auth' && source && CREDENTIAL_SETTING[source] ? ` (${CREDENTIAL_SETTING[source]} was rejected)` : ''
          }`,
        }
      : {}),
  };
}

/** At most this many characters are named per line; the count says how many there are. */
const NAMED_CHARACTERS = 8;

/**
 * Characters no configured font draws would be tofu in every image: a warning (the images still
 * render), naming the locale or "drawn text" and the code points, so the admin knows which font to
 * install. Code points, not the characters: where they are missing, they may not display either.
 */
function fontsCheck(f: FontCoverage): HealthCheck {
  const name = (chars: readonly string[]) =>
    `${chars.slice(0, NAMED_CHARACTERS).map(codePoint).join(' ')}${chars.length > NAMED_CHARACTERS ? ' …' : ''}`;
  const lines = [
    ...f.locales
      .filter((l) => l.missing.length > 0)
      .map((l) => `locale ${l.locale}: no font draws ${l.missing.length} character(s): ${name(l.missing)}`),
    ...(f.drawn.length > 0 ? [`drawn text (titles, names): no font draws ${f.drawn.length} character(s): ${name(f.drawn)}`] : []),
  ];
  const count = f.locales.reduce((n, l) => n + l.missing.length, 0) + f.drawn.length;
  return {
    status: lines.length > 0 ? 'warn' : 'pass',
    componentType: 'component',
    observedValue: count,
    observedUnit: 'characters without a glyph',
    ...(lines.length > 0 ? { output: `${lines.join('; ')} (install a font that covers them, e.g. fonts-noto-cjk)` } : {}),
  };
}

function storeOutput(h: StoreHealth): string {
  return `${h.status === 'stale' ? 'serving last good data; ' : ''}${publicText(h.code ?? 'failed', STORE_ERROR_MESSAGES)}`;
}

/**
 * The sentence is looked up here rather than taken from the snapshot: a snapshot stored by an older
 * build still carries raw error text, and an unknown code gets no text of its own.
 */
function publicText<C extends SourceErrorCode | StoreErrorCode>(code: string, messages: Readonly<Record<C, string>>): string {
  const known = Object.hasOwn(messages, code);
  return known ? `${code}: ${messages[code as C]}` : 'error: see the server log';
}
