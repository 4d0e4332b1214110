import { createHash } from 'node:crypto';

/** RFC 4122 version-5 UUID: the same name always gives the same job id, so a re-send is a no-op. */
const NAMESPACE = Buffer.from('6f1d3a52c1a84f0e9b7a3c5d2e1f0a9b', 'hex');

export function uuidV5(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
