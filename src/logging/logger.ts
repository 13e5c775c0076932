import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { redactUrl, scrubSecrets, secretSettings } from '../config/secrets.js';

/** Fields no log line carries whatever their owner: HTTP credentials and key material. */
const ALWAYS_REDACTED = [
  'private_key',
  '*.private_key',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * Paths that must never reach a log line, whatever the level: every setting marked secret in the
 * config schema, at its own path and under its own name one level down or at the top (a config
 * section logged on its own), plus ALWAYS_REDACTED.
 */
export const REDACTED_PATHS: readonly string[] = [
  ...new Set([
    ...secretSettings().flatMap(({ path }) => {
      const name = path[path.length - 1]!;
      return [path.join('.'), `*.${name}`, name];
    }),
    ...ALWAYS_REDACTED,
  ]),
];

/** URL-valued secrets keep their address in the log and lose their credentials. */
const URL_NAMES = new Set(secretSettings().flatMap(({ path, secret }) => (secret === 'url' ? [path[path.length - 1]!] : [])));
const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

function censor(value: unknown, path: string[]): unknown {
  if (URL_NAMES.has(path[path.length - 1]!)) return typeof value === 'string' && ABSOLUTE_URL.test(value) ? redactUrl(value) : value;
  return '***';
}

export interface LoggerOptions {
  /** One readable line per event (pino-pretty): the CLI passes "stdout is a terminal". */
  pretty?: boolean;
  fd?: 1 | 2;
  /**
   * The configuration's secret values (config/secrets.ts secretValues): masked wherever they
   * appear in a line, in a message or an error's text as much as in a field.
   */
  secrets?: readonly string[];
}

/**
 * JSON lines for log collectors, or, when `pretty`, one readable line per event through
 * pino-pretty, written synchronously to the same file descriptor. Redaction applies to both: it
 * runs before either formats a line.
 */
export function createLogger(level: string, destination?: pino.DestinationStream, options: LoggerOptions = {}): Logger {
  const config = { level, base: { app: 'marquee' }, redact: { paths: [...REDACTED_PATHS], censor } };
  const out =
    options.pretty && !destination
      ? pretty({ destination: options.fd ?? 1, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,app' })
      : destination;
  const secrets = options.secrets?.filter(Boolean) ?? [];
  if (!secrets.length) return pino(config, out);
  const inner = out ?? pino.destination({ dest: options.fd ?? 1, sync: true });
  return pino(config, { write: (line: string) => inner.write(scrubSecrets(line, secrets)) });
}
