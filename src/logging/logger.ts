import pino, { type Logger } from 'pino';

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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { app: 'marquee' }, redact: { paths: REDACTED_PATHS, censor: '***' } }, destination);
}
