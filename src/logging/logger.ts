import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Paths that must never reach a log line, whatever the level. */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  'plex.token',
  'credentialsJson',
  '*.credentialsJson',
  'private_key',
  '*.private_key',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * JSON lines for log collectors, or, when `pretty` (the CLI passes "stdout is a terminal"), one
 * readable line per event through pino-pretty, written synchronously to the same file descriptor.
 * Redaction applies to both: it runs before either formats a line.
 */
export function createLogger(level: string, destination?: pino.DestinationStream, options: { pretty?: boolean; fd?: 1 | 2 } = {}): Logger {
  const config = { level, base: { app: 'marquee' }, redact: { paths: REDACTED_PATHS, censor: '***' } };
  if (options.pretty && !destination) {
    return pino(
      config,
      pretty({ destination: options.fd ?? 1, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,app' }),
    );
  }
  return pino(config, destination);
}
