import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument, YAMLError } from 'yaml';
import type { z } from 'zod';
import { configSchema, type ParsedConfig } from './schema.js';
import { secretSettings } from './secrets.js';

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

export interface Config extends ParsedConfig {
  /** No Plex and no Tautulli DB configured: serve the bundled demo databases. */
  demo: boolean;
  /** Where the config came from, for messages only. */
  origin: string;
  plex: ParsedConfig['plex'] & { db: string };
  tautulli: ParsedConfig['tautulli'] & { db: string };
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

export const DEMO_PLEX_DB = 'com.plexapp.plugins.library.db';
export const DEMO_TAUTULLI_DB = 'tautulli.db';

/** `configFile` (the CLI's --config) wins over $MARQUEE_CONFIG, which wins over ./marquee.yaml. */
export function loadConfig(env: Env = process.env, cwd = process.cwd(), configFile?: string): Config {
  const file = configFile ?? env.MARQUEE_CONFIG ?? (existsSync(path.join(cwd, 'marquee.yaml')) ? 'marquee.yaml' : undefined);
  const raw = file ? readConfigFile(path.resolve(cwd, file)) : {};
  const fromEnv = applyEnv(raw, env);
  const origin = file ? path.resolve(cwd, file) : 'defaults (no config file)';
  const parsed = configSchema.safeParse(fromEnv.config);
  if (!parsed.success) throw toConfigError(parsed.error, origin, fromEnv.sources);
  return resolve(parsed.data, origin, cwd);
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

function toConfigError(error: z.ZodError, origin: string, sources: ReadonlyMap<string, string>): ConfigError {
  const issues = error.issues.map((issue) => {
    const key = issue.path.map(String).join('.') || '(root)';
    const envName = sources.get(key);
    const unknown =
      issue.code === 'unrecognized_keys' ? ` (${issue.keys.map((k) => (key === '(root)' ? k : `${key}.${k}`)).join(', ')})` : '';
    return `${key}${envName ? ` (from ${envName})` : ''}: ${issue.message}${unknown}`;
  });
  return new ConfigError(`invalid configuration in ${origin}:\n  - ${issues.join('\n  - ')}`, issues);
}

function resolve(c: ParsedConfig, origin: string, cwd: string): Config {
  const dataDir = path.resolve(cwd, c.dataDir);
  // Demo data only when no source of Plex or Tautulli is configured at all, database or URL.
  const demo = !c.plex.db && !c.tautulli.db && !c.tautulli.url && !(c.plex.url && c.plex.token);
  const demoDir = path.join(dataDir, 'demo');
  const plexDb = c.plex.db ? path.resolve(cwd, c.plex.db) : demo ? path.join(demoDir, DEMO_PLEX_DB) : '';
  const tautulliDb = c.tautulli.db ? path.resolve(cwd, c.tautulli.db) : demo ? path.join(demoDir, DEMO_TAUTULLI_DB) : '';
  return {
    ...c,
    dataDir,
    demo,
    origin,
    plex: { ...c.plex, db: plexDb },
    tautulli: { ...c.tautulli, db: tautulliDb },
    render: {
      ...c.render,
      templatesDir: c.render.templatesDir && path.resolve(cwd, c.render.templatesDir),
      themesDir: c.render.themesDir && path.resolve(cwd, c.render.themesDir),
    },
  };
}
