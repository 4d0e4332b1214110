import { IANAZone } from 'luxon';
import type { Pool } from 'pg';
import type { Ctx } from '../context';
import { type Calendar, calendarFor } from '../sequences/calendar';
import { sequenceSettingsSchema } from '../sequences/settings';
import { accountLimitsOf, type LimitsByAction, LimitsInputError } from './policy';
import { ledgerSql } from './sql';

/** What the ledger reads of an `accounts` row. */
interface AccountRow {
  id: string;
  timezone: string | null;
  working_hours: unknown;
  limits: unknown;
}

/**
 * How long a read of an account is reused: a change to its `limits`, `timezone` or `working_hours`
 * applies to reservations within this time, and a busy account costs no lookup per reservation.
 */
const ACCOUNT_CACHE_MS = 5_000;

/**
 * `accounts.working_hours`: the sender's own working window, in the keys a sequence uses
 * (`workingDays`, `workingHours`, `holidays`, `timezone` — default the account's `timezone`).
 */
const accountWorkingHoursSchema = sequenceSettingsSchema.pick({ timezone: true, workingDays: true, workingHours: true, holidays: true });

/**
 * An account as the ledger sees it: its limits, the zone of its days and its working calendar, each
 * parsed once per read. An account not (yet) stored gets the defaults, in no zone, always open. A
 * malformed column throws when it is used, naming the account and the fix.
 */
export interface LedgerAccount {
  id: string;
  limits(): LimitsByAction;
  /** The zone of the account's local days, when the row names one. */
  zone(): string | null;
  /** The account's working calendar, or null when the row sets no working hours. */
  calendar(): Calendar | null;
}

function ledgerAccount(id: string, row: AccountRow | null): LedgerAccount {
  const zone = once(() => {
    if (!row?.timezone) return null;
    if (!IANAZone.isValidZone(row.timezone)) {
      throw new LimitsInputError(`accounts.timezone of account ${id} is "${row.timezone}", not an IANA zone: use e.g. "Europe/Paris"`);
    }
    return row.timezone;
  });
  const calendar = once(() => {
    if (row?.working_hours === null || row?.working_hours === undefined) return null;
    const parsed = accountWorkingHoursSchema.safeParse({ timezone: zone() ?? 'UTC', ...(row.working_hours as object) });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LimitsInputError(
        `accounts.working_hours of account ${id} is invalid at "${issue.path.join('.')}": ${issue.message}. ` +
          'Expected e.g. {"workingDays": [1,2,3,4,5], "workingHours": {"start": "09:00", "end": "17:00"}}.',
      );
    }
    return calendarFor({ ...parsed.data, useContactTimezone: false, jitterMinutes: 0 });
  });
  return { id, limits: once(() => accountLimitsOf(id, row?.limits)), zone, calendar };
}

/** `compute` runs on the first call only, unless it throws. */
function once<T>(compute: () => T): () => T {
  let value: { of: T } | undefined;
  return () => (value ??= { of: compute() }).of;
}

/** Per pool, per `schema\0accountId`: the read in progress or done, and until when it is reused. */
const reads = new WeakMap<Pool, Map<string, { account: Promise<LedgerAccount>; expires: number }>>();

/** These accounts, from one query for those not read in the last ACCOUNT_CACHE_MS. */
export async function accountsOf(ctx: Pick<Ctx, 'pool' | 'schema'>, ids: string[]): Promise<Map<string, LedgerAccount>> {
  let cache = reads.get(ctx.pool);
  if (!cache) reads.set(ctx.pool, (cache = new Map()));
  const now = Date.now();
  const keyOf = (id: string) => `${ctx.schema}\u0000${id}`;
  const unique = [...new Set(ids)];
  const missing = unique.filter((id) => !((cache.get(keyOf(id))?.expires ?? 0) > now));
  if (missing.length > 0) {
    const loading = ctx.pool.query<AccountRow>(ledgerSql.accounts(ctx.schema), [missing]).then(({ rows }) => new Map(rows.map((r) => [r.id, r])));
    for (const id of missing)
      cache.set(keyOf(id), { account: loading.then((rows) => ledgerAccount(id, rows.get(id) ?? null)), expires: now + ACCOUNT_CACHE_MS });
    // A failed read is not reused.
    loading.catch(() => missing.forEach((id) => cache.delete(keyOf(id))));
  }
  return new Map(await Promise.all(unique.map(async (id) => [id, await cache.get(keyOf(id))!.account] as const)));
}
