import { z } from 'zod';
import { configSchema } from './schema.js';

/**
 * Secrets are marked once, where the setting is defined (schema.ts: `.meta({ secret, env })`), and
 * every redaction is derived from those marks: check-config's output (redactConfig), the log's
 * redact paths and its scrubbing of secret values (logging/logger.ts), the CLI's error messages,
 * and the `*_FILE` variables that read a secret from a file (load.ts).
 *
 * - `value`: the whole value is secret (a token, a key, a password).
 * - `url`: a URL that may carry a secret: its password, any query parameter named like a key
 *   (SECRET_QUERY_PARAMS), and the token segment of a Discord webhook.
 */
export type SecretKind = 'value' | 'url';

export interface SecretMeta {
  secret: SecretKind;
  /** The environment variable that sets it; `<env>_FILE` reads it from a file (Docker secrets). */
  env: string;
}

export interface SecretSetting {
  /** Keys from the root; `*` stands for every entry of a list (each `servers` entry's plex.token). */
  path: readonly string[];
  secret: SecretKind;
  /**
   * The variable that sets it, for top-level settings only: a list entry has no variable of its
   * own (one MARQUEE_PLEX_TOKEN cannot say which server it is for).
   */
  env?: string;
}

/** The path segment that stands for every entry of a list. */
export const EVERY_ENTRY = '*';

/** Query parameters that carry credentials in the URLs people paste (Plex, Tautulli, *arr apps). */
export const SECRET_QUERY_PARAMS: ReadonlySet<string> = new Set(['token', 'x-plex-token', 'apikey', 'api_key', 'access_token', 'key']);

const MASK = '***';

type Node = z.core.$ZodType;
const defOf = (s: Node) =>
  s._zod.def as unknown as { type: string; innerType?: Node; shape?: Record<string, Node>; element?: Node; out?: Node };

/**
 * Every setting marked secret, walked from the schema (through defaults, optionals, refinements,
 * preprocessing and into list entries).
 */
export function secretSettings(schema: Node = configSchema): SecretSetting[] {
  const found: SecretSetting[] = [];
  const walk = (node: Node, path: string[]) => {
    const meta = z.globalRegistry.get(node) as Partial<SecretMeta> | undefined;
    if (meta?.secret && meta.env) {
      found.push(path.includes(EVERY_ENTRY) ? { path, secret: meta.secret } : { path, secret: meta.secret, env: meta.env });
    }
    const def = defOf(node);
    if (def.innerType) walk(def.innerType, path);
    if (def.type === 'pipe' && def.out) walk(def.out, path);
    if (def.type === 'array' && def.element) walk(def.element, [...path, EVERY_ENTRY]);
    if (def.type === 'object' && def.shape) for (const [key, child] of Object.entries(def.shape)) walk(child, [...path, key]);
  };
  walk(schema, []);
  return found;
}

/** A URL with its credentials masked; anything that does not parse as a URL is masked whole. */
export function redactUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return MASK;
  }
  if (url.password) url.password = MASK;
  for (const name of [...url.searchParams.keys()]) if (SECRET_QUERY_PARAMS.has(name.toLowerCase())) url.searchParams.set(name, MASK);
  const webhook = /^(\/api(?:\/v\d+)?\/webhooks\/[^/]+\/)[^/]+/.exec(url.pathname);
  if (webhook) url.pathname = `${webhook[1]}${MASK}`;
  // URLSearchParams percent-encodes the mask; keep it legible.
  return url.toString().replaceAll(encodeURIComponent(MASK), MASK);
}

/** The literal secret strings inside one setting's value: what must appear in no output. */
export function secretParts(kind: SecretKind, value: string): string[] {
  if (!value) return [];
  if (kind === 'value') return [value];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [value];
  }
  const parts = [decodeURIComponent(url.password)];
  for (const [name, v] of url.searchParams) if (SECRET_QUERY_PARAMS.has(name.toLowerCase())) parts.push(v);
  const webhook = /^\/api(?:\/v\d+)?\/webhooks\/[^/]+\/([^/]+)/.exec(url.pathname);
  if (webhook) parts.push(webhook[1]!);
  return parts.filter((p) => p.length >= 4);
}

/** The objects at `path` under `root`, a `*` segment standing for each entry of a list. */
function nodesAt(root: unknown, path: readonly string[]): Array<Record<string, unknown>> {
  let nodes: unknown[] = [root];
  for (const key of path) {
    nodes = nodes.flatMap((node) => {
      if (key === EVERY_ENTRY) return Array.isArray(node) ? node : [];
      return node && typeof node === 'object' && !Array.isArray(node) ? [(node as Record<string, unknown>)[key]] : [];
    });
  }
  return nodes.filter((n): n is Record<string, unknown> => !!n && typeof n === 'object' && !Array.isArray(n));
}

/** Each non-empty string a setting holds: one at the top level, one per list entry. */
function valuesOf(root: unknown, path: readonly string[]): Array<{ parent: Record<string, unknown>; key: string; value: string }> {
  const key = path[path.length - 1]!;
  return nodesAt(root, path.slice(0, -1)).flatMap((parent) => {
    const value = parent[key];
    return typeof value === 'string' && value !== '' ? [{ parent, key, value }] : [];
  });
}

/** Masks every marked setting of a (parsed or raw) configuration, for logs and `check-config`. */
export function redactConfig<T extends object>(config: T, settings = secretSettings()): Record<string, unknown> {
  const copy = structuredClone(config) as Record<string, unknown>;
  for (const { path, secret } of settings) {
    for (const { parent, key, value } of valuesOf(copy, path)) parent[key] = secret === 'url' ? redactUrl(value) : MASK;
  }
  return copy;
}

/** Every secret string a configuration holds, longest first (so a longer one is masked whole). */
export function secretValues(config: object, settings = secretSettings()): string[] {
  const values = settings.flatMap(({ path, secret }) => valuesOf(config, path).flatMap(({ value }) => secretParts(secret, value)));
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/** Replaces each secret (as written, and as JSON or a URL would escape it) in a piece of text. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    for (const form of new Set([s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)])) {
      if (out.includes(form)) out = out.replaceAll(form, MASK);
    }
  }
  return out;
}
