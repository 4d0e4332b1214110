import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { signBody, verifySignature } from '../../runtime/subscriptions/signature';

const secret = 'a-subscription-secret-of-some-length';
const body = JSON.stringify({ event: 'sequence.step', deliveryId: 'd-1', step: 'invite' });
const t = 1_900_000_000;

describe('X-Sequencer-Signature', () => {
  it('verifies what it signed, for any body and secret', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (key, text) => {
        expect(verifySignature(key, text, signBody(key, text, t), { now: t })).toEqual({ ok: true, timestamp: t });
      }),
    );
  });

  it('has the documented shape: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signBody(secret, body, t)).toBe(`t=${t},v1=${expected}`);
  });

  it('rejects a changed body, another secret, or a changed timestamp', () => {
    const header = signBody(secret, body, t);
    expect(verifySignature(secret, body.replace('invite', 'followup'), header, { now: t })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(verifySignature('another-secret-of-some-length', body, header, { now: t })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(verifySignature(secret, body, header.replace(`t=${t}`, `t=${t + 1}`), { now: t })).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('rejects stale (or far-future) signatures: more than 5 minutes away', () => {
    const header = signBody(secret, body, t);
    expect(verifySignature(secret, body, header, { now: t + 300 })).toMatchObject({ ok: true });
    expect(verifySignature(secret, body, header, { now: t + 301 })).toMatchObject({ ok: false, reason: 'stale' });
    expect(verifySignature(secret, body, header, { now: t - 301 })).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('explains a missing or malformed header', () => {
    expect(verifySignature(secret, body, undefined)).toMatchObject({ ok: false, reason: 'missing' });
    expect(verifySignature(secret, body, 'sha256=abc')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifySignature(secret, body, `t=${t},v1=xyz`, { now: t })).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('accepts any of several v1 values (secret rotation)', () => {
    const fresh = signBody(secret, body, t);
    const old = signBody('the-previous-secret-value', body, t).split(',')[1];
    expect(verifySignature(secret, body, `${fresh.split(',')[0]},${old},${fresh.split(',')[1]}`, { now: t })).toMatchObject({ ok: true });
  });
});
