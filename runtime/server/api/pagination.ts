import type { Keyset as Cursor } from '../../db/keyset';
import { ApiError } from './errors';

/**
 * Keyset pagination: the cursor is the sort key and id of the last row of a page, opaque to
 * callers (base64url JSON). Stable under concurrent inserts, unlike offsets.
 */
export type { Cursor };

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(raw: string | undefined): Cursor | undefined {
  if (!raw) return undefined;
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    if (typeof c.at === 'string' && typeof c.id === 'string') return c;
  } catch {
    // fall through
  }
  throw new ApiError(400, 'invalid_cursor', 'cursor is not a next_cursor this API returned; start again without it');
}

/** Rows were fetched with limit + 1: the extra row only says there is a next page. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => Cursor): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, next_cursor: rows.length > limit ? encodeCursor(keyOf(items[items.length - 1])) : null };
}
