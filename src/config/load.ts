import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument, YAMLError } from 'yaml';
import type { z } from 'zod';
import { configSchema, type ParsedConfig } from './schema.js';
import { secretSettings } from './secrets.js';
import { entryLabel, resolveServers, type ServerConfig } from './servers.js';

export { DEMO_PLEX_DB, DEMO_TAUTULLI_DB, ONLY_SERVER_LABEL, type ServerConfig } from './servers.js';

/** Raised for any invalid configuration; the message names every offending key. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface Config extends Omit<ParsedConfig, 'servers'> {
  /** No Plex and no Tautulli source configured and no `servers:`: serve the demo network. */
  demo: boolean;
  /** Where the config came from, for messages only. */
  origin: string;
  /** The first server's (what one-server code reads); serverView gives any server's. */
  plex: ParsedConfig['plex'] & { db: string };
  tautulli: ParsedConfig['tautulli'] & { db: string };
  /**
   * Every Plex server, in the config's order, at least one: the `servers:` list, or without it the
   * one server the top level describes (id ONLY_SERVER_ID), or the two demo servers.
   */
  servers: ServerConfig[];
  /** What is allowed but likely a mistake (two servers reading the same files): check-config prints them. */
  warnings: string[];
}

/**
 * The config as one server sees it: that server's plex, tautulli, host, thresholds, privacy and
 * demo flag at the top level, and itself the only server, so one-server code runs per server unchanged.
 */
export function serverView(config: Config, server: ServerConfig): Config {
  const { plex, tautulli, host, thresholds, privacy, demo } = server;
  return { ...config, plex, tautulli, host, thresholds, privacy, demo, servers: [server] };
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Environment variables users of the Docker image expect; each maps onto one config key. Secret
 * settings are not listed here: their variables come with their mark in the schema (secrets.ts),
 * each with a `_FILE` twin.
 */
const envKeys: ReadonlyArray<{ env: string; key: string[]; type: 'string' | 'int' }> = [
  { env: 'MARQUEE_PLEX_DB', key: ['plex', 'db'], type: 'string' },
  { env: 'MARQUEE_TAUTULLI_DB', key: ['tautulli', 'db'], type: 'string' },
  { env: 'MARQUEE_DATA_DIR', key: ['dataDir'], type: 'string' },
  { env: 'MARQUEE_HOST', key: ['server', 'host'], type: 'string' },
  { env: 'MARQUEE_PORT', key: ['server', 'port'], type: 'int' },
  { env: 'MARQUEE_PUBLIC_URL', key: ['server', 'publicUrl'], type: 'string' },
  { env: 'MARQUEE_SCHEDULE', key: ['collector', 'schedule'], type: 'string' },
  { env: 'MARQUEE_LOG_LEVEL', key: ['logLevel'], type: 'string' },
  { env: 'MARQUEE_TZ', key: ['render', 'timeZone'], type: 'string' },
  { env: 'MARQUEE_SHEETS_ID', key: ['sheets', 'spreadsheetId'], type: 'string' },
  { env: 'GOOGLE_APPLICATION_CREDENTIALS', key: ['sheets', 'keyFile'], type: 'string' },
];

/** `configFile` (the CLI's --config) wins over $MARQUEE_CONFIG, which wins over ./marquee.yaml. */
export function loadConfig(env: Env = process.env, cwd = process.cwd(), configFile?: string): Config {
  const file = configFile ?? env.MARQUEE_CONFIG ?? (existsSync(path.join(cwd, 'marquee.yaml')) ? 'marquee.yaml' : undefined);
  const raw = file ? readConfigFile(path.resolve(cwd, file)) : {};
  const fromEnv = applyEnv(raw, env);
  const origin = file ? path.resolve(cwd, file) : 'defaults (no config file)';
  const misplaced = raw.servers === undefined ? [] : outsideServers(raw, fromEnv.sources);
  const parsed = configSchema.safeParse(fromEnv.config);
  const issues = [...misplaced, ...(parsed.success ? [] : issuesOf(parsed.error, fromEnv.sources, raw.servers))];
  if (!parsed.success || issues.length) throw invalid(origin, issues);
  return resolve(parsed.data, origin, cwd);
}

/** The sections every server has its own of: with `servers:` they live in the entries only. */
const SERVER_SECTIONS = ['plex', 'tautulli', 'host'] as const;

/**
 * With `servers:`, every Plex, Tautulli and host setting belongs to an entry: one at the top level,
 * from the file or a variable, would be silently ignored or apply to one server by accident.
 */
function outsideServers(raw: Record<string, unknown>, sources: ReadonlyMap<string, string>): string[] {
  const inFile = SERVER_SECTIONS.filter((section) => raw[section] !== undefined).map(
    (section) => `${section}: set at the top level beside servers: move it into each servers entry (servers[i].${section})`,
  );
  const fromEnv = [...sources]
    .filter(([key]) => SERVER_SECTIONS.some((section) => key.startsWith(`${section}.`)))
    .map(
      ([key, name]) =>
        `${name}: sets ${key}, which a config with servers: takes from each entry: unset it and set ${key} in each servers entry`,
    );
  return [...inFile, ...fromEnv];
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const doc = parseConfigYaml(text, file);
  if (doc == null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${file} must hold a mapping of keys`);
  return doc as Record<string, unknown>;
}

/**
 * The YAML library's messages quote the offending line, and that line may be the Discord webhook,
 * the Plex token or a Sheets key: a syntax error says where (line and column) and what kind, never
 * what the line holds. parseDocument, unlike parse, prints no warnings (they quote lines too).
 */
const yamlProblems: Partial<Record<YAMLError['code'], string>> = {
  MISSING_CHAR: 'a quote, bracket or brace is not closed',
  TAB_AS_INDENT: 'a tab is used for indentation',
  BLOCK_AS_IMPLICIT_KEY: 'a value holds ": " (quote it)',
  BAD_INDENT: 'the indentation is wrong',
  DUPLICATE_KEY: 'a key appears twice',
};

function parseConfigYaml(text: string, file: string): unknown {
  const where = (err: YAMLError) => {
    const at = err.linePos?.[0];
    const what = yamlProblems[err.code] ?? err.code.toLowerCase().replaceAll('_', ' ');
    return `${what}${at ? ` at line ${at.line}, column ${at.col}` : ''} (the line is not shown: it may hold a secret)`;
  };
  const doc = parseDocument(text);
  const [first] = doc.errors;
  if (first) throw new ConfigError(`config file ${file} is not valid YAML: ${where(first)}`);
  try {
    return doc.toJS();
  } catch (err) {
    // An unresolved alias, or an alias bomb past the library's limit: its message names what it met.
    const detail = err instanceof YAMLError ? where(err) : 'its aliases cannot be resolved';
    throw new ConfigError(`config file ${file} is not valid YAML: ${detail}`);
  }
}

function applyEnv(raw: Record<string, unknown>, env: Env) {
  const config = structuredClone(raw);
  const sources = new Map<string, string>();
  for (const { env: name, key, type } of envKeys) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const parsed = type === 'int' && /^\d+$/.test(value) ? Number(value) : value;
    setPath(config, key, parsed);
    sources.set(key.join('.'), name);
  }
  // TZ is the host's zone for every program (Docker images set it): the images follow it unless
  // MARQUEE_TZ or the file names another. glibc accepts a leading ':' before the zone name.
  const zone = env.TZ?.replace(/^:/, '');
  const render = config.render;
  const unset = render === undefined || (typeof render === 'object' && render !== null && !('timeZone' in render));
  if (zone && unset) {
    setPath(config, ['render', 'timeZone'], zone);
    sources.set('render.timeZone', 'TZ');
  }
  for (const { env: name, path: key } of secretSettings()) {
    if (!name) continue;
    const found = secretFromEnv(name, env);
    if (!found) continue;
    setPath(config, key, found.value);
    sources.set(key.join('.'), found.from);
  }
  return { config, sources };
}

/**
 * A secret from `NAME`, or from the file `NAME_FILE` names (Docker and Compose secrets mount them
 * under /run/secrets). One trailing newline is dropped, as editors and `echo` add one.
 */
function secretFromEnv(name: string, env: Env): { value: string; from: string } | null {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (file && direct) throw new ConfigError(`set ${name} or ${name}_FILE, not both`);
  if (direct) return { value: direct, from: name };
  if (!file) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${name}_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (!value) throw new ConfigError(`${name}_FILE: ${file} is empty`);
  return { value, from: `${name}_FILE` };
}

function setPath(target: Record<string, unknown>, key: readonly string[], value: unknown): void {
  let node = target;
  for (const part of key.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[key[key.length - 1]!] = value;
}

function invalid(origin: string, issues: readonly string[]): ConfigError {
  return new ConfigError(`invalid configuration in ${origin}:\n  - ${issues.join('\n  - ')}`, issues);
}

/** `servers.1.plex.db` -> `servers[1] (4k).plex.db`: the entry by index and, when it has a valid one, its id. */
function keyOf(path: readonly PropertyKey[], rawServers: unknown): string {
  if (path[0] === 'servers' && typeof path[1] === 'number') {
    const rest = path.slice(2).map(String);
    const entry = rest[0] === 'id' ? `servers[${path[1]}]` : entryLabel(path[1], rawServers);
    return [entry, ...rest].join('.');
  }
  return path.map(String).join('.') || '(root)';
}

function issuesOf(error: z.ZodError, sources: ReadonlyMap<string, string>, rawServers: unknown): string[] {
  return error.issues.map((issue) => {
    const key = keyOf(issue.path, rawServers);
    const envName = sources.get(key);
    const unknown =
      issue.code === 'unrecognized_keys' ? ` (${issue.keys.map((k) => (key === '(root)' ? k : `${key}.${k}`)).join(', ')})` : '';
    return `${key}${envName ? ` (from ${envName})` : ''}: ${issue.message}${unknown}`;
  });
}

function resolve(c: ParsedConfig, origin: string, cwd: string): Config {
  const dataDir = path.resolve(cwd, c.dataDir);
  const { servers, warnings, issues } = resolveServers(c, cwd, dataDir);
  if (issues.length) throw invalid(origin, issues);
  const first = servers[0]!;
  const { servers: _list, ...rest } = c;
  return {
    ...rest,
    dataDir,
    // Demo data only when no source of Plex or Tautulli is configured at all, database or URL.
    demo: first.demo,
    origin,
    plex: first.plex,
    tautulli: first.tautulli,
    host: first.host,
    servers,
    warnings,
    render: {
      ...c.render,
      templatesDir: c.render.templatesDir && path.resolve(cwd, c.render.templatesDir),
      themesDir: c.render.themesDir && path.resolve(cwd, c.render.themesDir),
    },
  };
}
