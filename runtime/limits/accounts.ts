import { IANAZone } from 'luxon';
import type { Ctx } from '../context';
import { type Calendar, calendarFor } from '../sequences/calendar';
import { sequenceSettingsSchema } from '../sequences/settings';
import { LimitsInputError } from './policy';
import { ledgerSql } from './sql';

/** What the ledger reads of an `accounts` row. */
export interface AccountRow {
  id: string;
  timezone: string | null;
  working_hours: unknown;
  limits: unknown;
}

/**
 * `accounts.working_hours`: the sender's own working window, in the keys a sequence uses
 * (`workingDays`, `workingHours`, `holidays`, `timezone` — default the account's `timezone`).
 */
const accountWorkingHoursSchema = sequenceSettingsSchema.pick({ timezone: true, workingDays: true, workingHours: true, holidays: true });

/** The zone of the account's local days, when the row names a valid one. */
export function accountZoneOf(account: AccountRow | null): string | null {
  if (!account?.timezone) return null;
  if (!IANAZone.isValidZone(account.timezone)) {
    throw new LimitsInputError(`accounts.timezone of account ${account.id} is "${account.timezone}", not an IANA zone: use e.g. "Europe/Paris"`);
  }
  return account.timezone;
}

/** The account's working calendar, or null when the row sets no working hours. */
export function accountCalendarOf(account: AccountRow | null): Calendar | null {
  if (!account || account.working_hours === null || account.working_hours === undefined) return null;
  const parsed = accountWorkingHoursSchema.safeParse({ timezone: accountZoneOf(account) ?? 'UTC', ...(account.working_hours as object) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LimitsInputError(
      `accounts.working_hours of account ${account.id} is invalid at "${issue.path.join('.')}": ${issue.message}. ` +
        'Expected e.g. {"workingDays": [1,2,3,4,5], "workingHours": {"start": "09:00", "end": "17:00"}}.',
    );
  }
  return calendarFor({ ...parsed.data, useContactTimezone: false, jitterMinutes: 0 });
}

/** The rows of these accounts; an account not (yet) stored gets the defaults, in UTC, always open. */
export async function loadAccounts(ctx: Ctx, ids: string[]): Promise<Map<string, AccountRow>> {
  const { rows } = await ctx.pool.query<AccountRow>(ledgerSql.accounts(ctx.schema), [ids]);
  return new Map(rows.map((r) => [r.id, r]));
}
