import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Paths that may carry secrets (request headers at the top level or one level down, e.g. `req`,
 * `err`; credential fields); pino replaces their values before anything is written.
 */
const REDACT = [
  'headers.authorization',
  'headers["x-webhook-secret"]',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-webhook-secret"]',
  '*.headers["x-api-key"]',
  '*.headers["X-API-KEY"]',
  '*.secret',
  '*.apiKey',
  '*.password',
  '*.token',
  'secret',
  'apiKey',
  'password',
];

/** JSON lines on stdout, or on `destination` (tests capture it). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  const options = { level, base: { service: 'sequencer' }, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

/** For tests and node code paths that must not print. */
export const silentLogger: Logger = pino({ level: 'silent' });
