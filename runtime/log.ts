import pino from 'pino';

export type Logger = pino.Logger;

/** Paths that may carry secrets; pino replaces their values before anything is written. */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-webhook-secret"]',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-webhook-secret"]',
  'headers["x-api-key"]',
  '*.secret',
  '*.apiKey',
  '*.password',
  '*.token',
  'secret',
  'apiKey',
  'password',
];

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'sequencer' }, redact: { paths: REDACT, censor: '[redacted]' } });
}

/** For tests and node code paths that must not print. */
export const silentLogger: Logger = pino({ level: 'silent' });
