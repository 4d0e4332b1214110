import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `X-Sequencer-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with the
 * subscription's secret (DESIGN §4). The runtime signs every POST with it; the Sequencer Trigger (or
 * any receiver) verifies it with `verifySignature`. The timestamp inside the signed text stops a
 * captured request from being replayed after the tolerance.
 */
export const SIGNATURE_HEADER = 'X-Sequencer-Signature';
export const DELIVERY_HEADER = 'X-Sequencer-Delivery';
export const EVENT_HEADER = 'X-Sequencer-Event';

/** A signature older (or further in the future) than this is refused as stale. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const nowSeconds = () => Math.floor(Date.now() / 1000);

function hmacHex(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The header value for `body` (the exact bytes sent) at `timestamp`. */
export function signBody(secret: string, body: string | Buffer, timestamp: number = nowSeconds()): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch'; message: string };

export interface VerifyOptions {
  /** Unix seconds; defaults to the current time. */
  now?: number;
  toleranceSeconds?: number;
}

/**
 * Checks a signature header against the raw body, in constant time. Several `v1` values are
 * accepted (any may match), so a sender can sign with an old and a new secret during a rotation.
 */
export function verifySignature(secret: string, body: string | Buffer, header: string | string[] | undefined, options: VerifyOptions = {}): SignatureCheck {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return { ok: false, reason: 'missing', message: `the ${SIGNATURE_HEADER} header is missing` };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of value.split(',')) {
    const [key, ...rest] = part.trim().split('=');
    const v = rest.join('=');
    if (key === 't' && /^\d{1,12}$/.test(v)) timestamp = Number(v);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(v)) signatures.push(v.toLowerCase());
  }
  if (timestamp === undefined || signatures.length === 0) {
    return { ok: false, reason: 'malformed', message: `the ${SIGNATURE_HEADER} header must look like "t=<unix seconds>,v1=<hex HMAC-SHA256>"` };
  }
  const tolerance = options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  const skew = Math.abs((options.now ?? nowSeconds()) - timestamp);
  if (skew > tolerance) {
    return { ok: false, reason: 'stale', message: `the signature is ${skew} s away from now (at most ${tolerance} s allowed): check the clocks or replay protection` };
  }
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  const matches = signatures.some((sig) => timingSafeEqual(Buffer.from(sig, 'hex'), expected));
  return matches ? { ok: true, timestamp } : { ok: false, reason: 'mismatch', message: 'the signature does not match the body and the subscription secret' };
}
