import fc from 'fast-check';
import { DateTime } from 'luxon';
import type { Ctx } from '../../runtime/context';
import { createPool } from '../../runtime/db/pool';
import { recordCooldown } from '../../runtime/limits/cooldown';
import { type Reservation, release, reserve, reserveMany, type ReserveRequest } from '../../runtime/limits/ledger';
import { usage } from '../../runtime/limits/usage';
import { sequenceSettingsSchema } from '../../runtime/sequences/settings';
import { openTestDb, type TestDb } from '../support/db';

let db: TestDb;
beforeAll(async () => (db = await openTestDb()));
afterAll(async () => db.close());

let accountSeq = 0;
/** A fresh UniPile account row per test, so tests never share a ledger. */
async function account(options: { timezone?: string | null; limits?: unknown; workingHours?: unknown } = {}): Promise<string> {
  const id = `acct_${++accountSeq}_${Math.random().toString(36).slice(2, 8)}`;
  await db.pool.query(`INSERT INTO "${db.schema}".accounts (id, provider, timezone, working_hours, limits) VALUES ($1, 'LINKEDIN', $2, $3, $4)`, [
    id,
    options.timezone === undefined ? 'UTC' : options.timezone,
    options.workingHours === undefined ? null : JSON.stringify(options.workingHours),
    JSON.stringify(options.limits ?? {}),
  ]);
  return id;
}

/** Only the rule under test: no other cap, no spacing. */
const only = (rule: Record<string, unknown>) => ({ hourly: null, daily: null, weekly: null, minSpacingSeconds: 0, jitterSeconds: 0, ...rule });

const local = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toJSDate();
const at = (d: Date) => ({ at: d });
const plusSeconds = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

function refused(r: Reservation) {
  if (r.allowed) throw new Error(`expected a refusal, got reservation ${r.reservationId}`);
  return r;
}

const ledgerRows = async (accountId: string) =>
  (await db.pool.query(`SELECT id::text, reference, released_at FROM "${db.schema}".rate_ledger WHERE account_id = $1 ORDER BY id`, [accountId])).rows;

describe('atomic reservations', () => {
  it('grants exactly 10 of 50 concurrent reservations against a daily cap of 10, across three processes', async () => {
    const accountId = await account({ limits: { message: only({ daily: 10 }) } });
    // Three pools stand for three runtime/n8n processes; every reservation gets its own connection.
    const pools = [db.pool, createPool(db.url, { max: 20 }), createPool(db.url, { max: 20 })];
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => {
          const ctx: Ctx = { ...db, pool: pools[i % pools.length] };
          return reserve(ctx, { accountId, action: 'message', reference: `r${i}` });
        }),
      );
      const granted = results.filter((r) => r.allowed);
      expect(granted).toHaveLength(10);
      expect(new Set(results.filter((r) => !r.allowed).map((r) => refused(r).reason))).toEqual(new Set(['limit_daily']));
      expect(await ledgerRows(accountId)).toHaveLength(10);
    } finally {
      await Promise.all(pools.slice(1).map((p) => p.end()));
    }
  });

  it('decides a batch in input order, each item seeing the grants before it', async () => {
    const accountId = await account({ limits: { message: only({ daily: 3 }) } });
    const requests: ReserveRequest[] = Array.from({ length: 5 }, (_, i) => ({ accountId, action: 'message', reference: `b${i}` }));
    const results = await reserveMany(db, requests);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    expect((await ledgerRows(accountId)).map((r) => r.reference)).toEqual(['b0', 'b1', 'b2']);
    const reservationIds = results.filter((r) => r.allowed).map((r) => (r.allowed ? r.reservationId : ''));
    expect(reservationIds).toEqual((await ledgerRows(accountId)).map((r) => r.id));
  });

  it('fails only the call whose reservation cannot be recorded, not the concurrent calls decided with it', async () => {
    const accountId = await account({ limits: { message: only({ daily: 100 }) } });
    expect((await reserve(db, { accountId, action: 'message', reference: 'first' })).allowed).toBe(true);
    // Twelve calls at once in one process; Postgres refuses the NUL byte of the last one's reference.
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        reserve(db, { accountId, action: 'message', reference: i === 11 ? 'nul\u0000byte' : `ok${i}` }).then(
          (r) => r.allowed,
          (error: Error) => error.message,
        ),
      ),
    );
    expect(outcomes.slice(0, 11)).toEqual(Array(11).fill(true));
    expect(outcomes[11]).toMatch(/0x00/);
    expect(await ledgerRows(accountId)).toHaveLength(12);
  });

  it("keeps (account, action) pairs apart: one account's invitations do not use another's or its messages", async () => {
    const a = await account({ limits: { invitation: only({ daily: 1 }), message: only({ daily: 1 }) } });
    const b = await account({ limits: { invitation: only({ daily: 1 }) } });
    const results = await reserveMany(db, [
      { accountId: a, action: 'invitation' },
      { accountId: b, action: 'invitation' },
      { accountId: a, action: 'message' },
      { accountId: a, action: 'invitation' },
    ]);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
  });
});

describe('spacing and jitter', () => {
  it('spaces actions by the minimum plus a jitter, and says when to come back', async () => {
    const accountId = await account({ limits: { invitation: only({ minSpacingSeconds: 600, jitterSeconds: 300 }) } });
    let now = new Date('2026-05-04T08:00:00Z');
    const gaps: number[] = [];
    for (let i = 0; i < 6; i++) {
      const granted = await reserve(db, { accountId, action: 'invitation', reference: `enr-${i}:step1` }, at(now));
      expect(granted.allowed).toBe(true);
      const tooSoon = refused(await reserve(db, { accountId, action: 'invitation', reference: `probe-${i}` }, at(plusSeconds(now, 599))));
      expect(tooSoon.reason).toBe('min_spacing');
      const gap = (tooSoon.retryAt.getTime() - now.getTime()) / 1000;
      expect(gap).toBeGreaterThanOrEqual(600);
      expect(gap).toBeLessThanOrEqual(900);
      expect(refused(await reserve(db, { accountId, action: 'invitation' }, at(new Date(tooSoon.retryAt.getTime() - 1)))).reason).toBe('min_spacing');
      gaps.push(gap);
      now = tooSoon.retryAt;
    }
    // Random spacing, not a fixed-interval chain.
    expect(new Set(gaps).size).toBeGreaterThan(1);
  });

  it('gives the same reference the same jitter (what simulate predicts is what happens)', async () => {
    const accountId = await account({ limits: { invitation: only({ minSpacingSeconds: 60, jitterSeconds: 3600 }) } });
    const t = new Date('2026-05-04T08:00:00Z');
    const nextAllowedAfter = async (reference: string) => {
      const granted = await reserve(db, { accountId, action: 'invitation', reference }, at(t));
      const next = refused(await reserve(db, { accountId, action: 'invitation' }, at(t))).retryAt.getTime();
      if (granted.allowed) await release(db, granted.reservationId); // rewinds the spacing for the next try
      return next;
    };
    const first = await nextAllowedAfter('enr-1:step2');
    expect(first).toBeGreaterThanOrEqual(t.getTime() + 60_000);
    expect(await nextAllowedAfter('enr-1:step2')).toBe(first);
    expect(await nextAllowedAfter('enr-2:step2')).not.toBe(first);
  });

  it('staggers the refused items of one batch one spacing apart instead of sending them all back at once', async () => {
    const accountId = await account({ limits: { message: only({ minSpacingSeconds: 120 }) } });
    const t = new Date('2026-05-04T08:00:00Z');
    const results = await reserveMany(
      db,
      Array.from({ length: 4 }, (_, i) => ({ accountId, action: 'message', reference: `s${i}` })),
      at(t),
    );
    expect(results[0].allowed).toBe(true);
    const retries = results.slice(1).map((r) => (refused(r).retryAt.getTime() - t.getTime()) / 1000);
    expect(retries).toEqual([120, 240, 360]);
  });
  it('staggers only within a call: concurrent calls refused together each come back when the spacing ends', async () => {
    const accountId = await account({ limits: { message: only({ minSpacingSeconds: 120 }) } });
    const t = new Date('2026-05-04T08:00:00Z');
    expect((await reserve(db, { accountId, action: 'message', reference: 'first' }, at(t))).allowed).toBe(true);
    const later = at(plusSeconds(t, 30));
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => reserve(db, { accountId, action: 'message', reference: `c${i}` }, later)));
    expect(results.map((r) => refused(r).retryAt)).toEqual(Array(4).fill(plusSeconds(t, 120)));
  });
});

describe("windows in the account's own time", () => {
  it('rolls the weekly window by wall-clock days across local midnight and a DST change', async () => {
    const zone = 'Europe/Paris';
    const accountId = await account({ timezone: zone, limits: { invitation: only({ weekly: 3 }) } });
    const invite = (iso: string) => reserve(db, { accountId, action: 'invitation' }, at(local(iso, zone)));
    // Clocks go forward in Paris on Sunday 2026-03-29.
    for (const iso of ['2026-03-23T10:00', '2026-03-24T23:30', '2026-03-25T12:00']) expect((await invite(iso)).allowed).toBe(true);

    const full = refused(await invite('2026-03-30T09:59'));
    expect(full).toMatchObject({ reason: 'limit_weekly', limit: 3, used: 3 });
    // Monday 10:00 local a week later, 167 real hours after the first invitation, not 168.
    expect(full.retryAt).toEqual(local('2026-03-30T10:00', zone));
    expect(full.retryAt.getTime() - local('2026-03-23T10:00', zone).getTime()).toBe(167 * 3_600_000);
    expect((await invite('2026-03-30T10:00')).allowed).toBe(true);

    // Rolling, not a calendar week: Tuesday's late invitation still counts until Tuesday 23:30, past midnight it is gone.
    const lateTuesday = refused(await invite('2026-03-31T23:29'));
    expect(lateTuesday.retryAt).toEqual(local('2026-03-31T23:30', zone));
    expect((await invite('2026-04-01T00:10')).allowed).toBe(true);
  });

  it("starts the day over at the account's local midnight, also on a 23-hour day", async () => {
    const zone = 'America/New_York';
    const accountId = await account({ timezone: zone, limits: { message: only({ daily: 2 }) } });
    const send = (iso: string) => reserve(db, { accountId, action: 'message' }, at(local(iso, zone)));
    // 2026-03-08 is the day New York's clocks go forward.
    expect((await send('2026-03-08T00:30')).allowed).toBe(true);
    expect((await send('2026-03-08T22:00')).allowed).toBe(true);
    const full = refused(await send('2026-03-08T23:59'));
    expect(full).toMatchObject({ reason: 'limit_daily', limit: 2, used: 2 });
    expect(full.retryAt).toEqual(local('2026-03-09T00:00', zone));
    expect(full.retryAt.toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect((await send('2026-03-09T00:00')).allowed).toBe(true);
  });

  it("takes the day from the sequence's zone when the account has none", async () => {
    const accountId = await account({ timezone: null, limits: { message: only({ daily: 1 }) } });
    const settings = sequenceSettingsSchema.parse({
      timezone: 'Asia/Tokyo',
      workingDays: [1, 2, 3, 4, 5, 6, 7],
      workingHours: { start: '00:00', end: '23:59' },
    });
    const send = (iso: string) => reserve(db, { accountId, action: 'message', sequence: { settings } }, at(new Date(iso)));
    expect((await send('2026-05-04T14:00:00Z')).allowed).toBe(true); // 23:00 in Tokyo
    expect((await send('2026-05-04T15:00:00Z')).allowed).toBe(true); // 00:00 the next day in Tokyo
  });

  it('caps the rolling hour and says when its oldest action leaves it', async () => {
    const accountId = await account({ limits: { profile_view: only({ hourly: 2 }) } });
    const t = new Date('2026-05-04T10:00:00Z');
    await reserve(db, { accountId, action: 'profile_view' }, at(t));
    await reserve(db, { accountId, action: 'profile_view' }, at(plusSeconds(t, 600)));
    const full = refused(await reserve(db, { accountId, action: 'profile_view' }, at(plusSeconds(t, 1200))));
    expect(full).toMatchObject({ reason: 'limit_hourly', limit: 2, used: 2, retryAt: plusSeconds(t, 3600) });
  });
});

describe('counting the day', () => {
  const countSince = async (accountId: string, since: Date) =>
    (
      await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${db.schema}".rate_ledger WHERE account_id = $1 AND action = 'message' AND released_at IS NULL AND reserved_at >= $2`,
        [accountId, since],
      )
    ).rows[0].n;

  it('counts the reservations an older version recorded, and forgets released ones', async () => {
    const accountId = await account({ limits: { message: only({ daily: 3 }) } });
    // In the ledger without a day counter on the pair: one this morning, one yesterday evening.
    await db.pool.query(`INSERT INTO "${db.schema}".rate_ledger (account_id, action, reserved_at) VALUES ($1, 'message', $2), ($1, 'message', $3)`, [
      accountId,
      new Date('2026-05-04T08:00:00Z'),
      new Date('2026-05-03T23:00:00Z'),
    ]);
    const t = new Date('2026-05-04T15:00:00Z');
    const first = await reserve(db, { accountId, action: 'message' }, at(t));
    expect((await reserve(db, { accountId, action: 'message' }, at(plusSeconds(t, 60)))).allowed).toBe(true);
    expect(refused(await reserve(db, { accountId, action: 'message' }, at(plusSeconds(t, 120))))).toMatchObject({ reason: 'limit_daily', used: 3 });
    if (!first.allowed) throw new Error('expected a grant');
    await release(db, first.reservationId);
    expect((await reserve(db, { accountId, action: 'message' }, at(plusSeconds(t, 180)))).allowed).toBe(true);
  });

  it("keeps each zone's own day when an account without a zone is paced by sequences in different zones", async () => {
    const accountId = await account({ timezone: null, limits: { message: only({ daily: 1 }) } });
    const sequenceIn = (timezone: string) => ({
      settings: sequenceSettingsSchema.parse({ timezone, workingDays: [1, 2, 3, 4, 5, 6, 7], workingHours: { start: '00:00', end: '23:59' } }),
    });
    const send = (zone: string, iso: string) => reserve(db, { accountId, action: 'message', sequence: sequenceIn(zone) }, at(new Date(iso)));
    expect((await send('Asia/Tokyo', '2026-05-04T14:30:00Z')).allowed).toBe(true); // 23:30 on the 4th in Tokyo
    expect((await send('Asia/Tokyo', '2026-05-04T15:30:00Z')).allowed).toBe(true); // 00:30 on the 5th in Tokyo
    // Both fall on the 4th in UTC; the 5th in Tokyo has one.
    expect(refused(await send('UTC', '2026-05-04T15:40:00Z'))).toMatchObject({ reason: 'limit_daily', used: 2 });
    expect(refused(await send('Asia/Tokyo', '2026-05-04T15:50:00Z'))).toMatchObject({ reason: 'limit_daily', used: 1 });
  });

  it('decides a daily cap as a count of the ledger would, whatever the order of reservations and releases', async () => {
    const zone = 'America/New_York';
    const operation = fc.oneof(fc.record({ reserveMinutesLater: fc.integer({ min: 0, max: 600 }) }), fc.record({ releasePick: fc.nat() }));
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 25 }), async (operations) => {
        const accountId = await account({ timezone: zone, limits: { message: only({ daily: 3 }) } });
        // A few local days around the clocks going forward (Sunday 2026-03-08).
        let now = local('2026-03-07T20:00', zone).getTime();
        const granted: string[] = [];
        for (const op of operations) {
          if ('releasePick' in op) {
            if (granted.length) expect(await release(db, granted.splice(op.releasePick % granted.length, 1)[0])).toBe(true);
            continue;
          }
          now += op.reserveMinutesLater * 60_000;
          const t = new Date(now);
          const used = await countSince(accountId, DateTime.fromJSDate(t, { zone }).startOf('day').toJSDate());
          const r = await reserve(db, { accountId, action: 'message' }, at(t));
          if (used < 3 && r.allowed) granted.push(r.reservationId);
          else expect(refused(r)).toMatchObject({ reason: 'limit_daily', used });
          expect(r.allowed).toBe(used < 3);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('warm-up', () => {
  it("grows the daily cap from the account's first reservation by the configured step up to the cap", async () => {
    const zone = 'Europe/Berlin';
    const accountId = await account({ timezone: zone, limits: { message: only({ daily: 20, warmupStart: 5, warmupIncrement: 5 }) } });
    const grantedOn = async (day: string) => {
      const results = await reserveMany(
        db,
        Array.from({ length: 25 }, () => ({ accountId, action: 'message' })),
        at(local(`${day}T11:00`, zone)),
      );
      const last = results[results.length - 1];
      expect(refused(last).reason).toBe('limit_daily');
      return results.filter((r) => r.allowed).length;
    };
    expect([
      await grantedOn('2026-06-01'),
      await grantedOn('2026-06-02'),
      await grantedOn('2026-06-03'),
      await grantedOn('2026-06-04'),
      await grantedOn('2026-06-05'),
    ]).toEqual([5, 10, 15, 20, 20]);
  });

  it('counts the ramp from a configured start date, and from any first action of the account', async () => {
    const fromDate = await account({ limits: { message: only({ daily: 50, warmupStart: 10, warmupIncrement: 10, warmupFrom: '2026-06-01' }) } });
    const onJune4 = await reserveMany(
      db,
      Array.from({ length: 60 }, () => ({ accountId: fromDate, action: 'message' })),
      at(new Date('2026-06-04T12:00:00Z')),
    );
    expect(onJune4.filter((r) => r.allowed)).toHaveLength(40);
    expect(refused(onJune4[40])).toMatchObject({ reason: 'limit_daily', limit: 40, retryAt: new Date('2026-06-05T00:00:00Z') });

    const viewedFirst = await account({ limits: { invitation: only({ daily: 100, warmupStart: 2, warmupIncrement: 3 }) } });
    await reserve(db, { accountId: viewedFirst, action: 'profile_view' }, at(new Date('2026-06-01T12:00:00Z')));
    const invites = await reserveMany(
      db,
      Array.from({ length: 20 }, () => ({ accountId: viewedFirst, action: 'invitation' })),
      at(new Date('2026-06-03T12:00:00Z')),
    );
    expect(invites.filter((r) => r.allowed)).toHaveLength(2 + 2 * 3);
  });
});

describe('working hours', () => {
  const weekdays = { timezone: 'Europe/Berlin', workingDays: [1, 2, 3, 4, 5], workingHours: { start: '09:00', end: '17:00' } };

  it("refuses outside the account's working hours with the next window opening", async () => {
    const accountId = await account({ timezone: 'Europe/Berlin', workingHours: weekdays, limits: { message: only({}) } });
    // Friday 2026-05-08 18:30 → Monday 09:00.
    const late = refused(await reserve(db, { accountId, action: 'message' }, at(local('2026-05-08T18:30', 'Europe/Berlin'))));
    expect(late).toMatchObject({ reason: 'outside_working_hours', retryAt: local('2026-05-11T09:00', 'Europe/Berlin') });
    expect((await reserve(db, { accountId, action: 'message' }, at(late.retryAt))).allowed).toBe(true);
  });

  it("moves a cap's retry time into working hours", async () => {
    const accountId = await account({ timezone: 'Europe/Berlin', workingHours: weekdays, limits: { message: only({ daily: 1 }) } });
    await reserve(db, { accountId, action: 'message' }, at(local('2026-05-07T10:00', 'Europe/Berlin')));
    const full = refused(await reserve(db, { accountId, action: 'message' }, at(local('2026-05-07T16:00', 'Europe/Berlin'))));
    // The day starts over at midnight, but nothing goes out before 09:00.
    expect(full).toMatchObject({ reason: 'limit_daily', retryAt: local('2026-05-08T09:00', 'Europe/Berlin') });
  });

  it("uses the sequence's calendar when the account has no working hours, and can be told to ignore it", async () => {
    const accountId = await account({ limits: { message: only({}) } });
    const settings = sequenceSettingsSchema.parse({ ...weekdays, holidays: { dates: ['2026-05-11'] } });
    const saturday = local('2026-05-09T11:00', 'Europe/Berlin');
    const r = refused(await reserve(db, { accountId, action: 'message', sequence: { settings } }, at(saturday)));
    // Monday is a listed holiday: Tuesday 09:00.
    expect(r).toMatchObject({ reason: 'outside_working_hours', retryAt: local('2026-05-12T09:00', 'Europe/Berlin') });
    expect((await reserve(db, { accountId, action: 'message', sequence: { settings }, ignoreWorkingHours: true }, at(saturday))).allowed).toBe(true);
  });
});

describe('cooldowns and releases', () => {
  it('honours a cooldown recorded by UniPile Send until it ends', async () => {
    const accountId = await account({ limits: { invitation: only({}) } });
    const t = new Date('2026-05-04T10:00:00Z');
    await recordCooldown(db.pool, db.schema, { accountId, action: 'invitation', until: plusSeconds(t, 7200), reason: 'limit_exceeded' });
    const r = refused(await reserve(db, { accountId, action: 'invitation' }, at(t)));
    expect(r).toMatchObject({ reason: 'cooldown', retryAt: plusSeconds(t, 7200), cooldownReason: 'limit_exceeded' });
    expect((await reserve(db, { accountId, action: 'message' }, at(t))).allowed).toBe(true);
    expect((await reserve(db, { accountId, action: 'invitation' }, at(plusSeconds(t, 7200)))).allowed).toBe(true);
  });

  it("frees a released reservation's capacity and spacing, once", async () => {
    const accountId = await account({ limits: { message: only({ daily: 1, minSpacingSeconds: 300 }) } });
    const t = new Date('2026-05-04T10:00:00Z');
    const first = await reserve(db, { accountId, action: 'message', reference: 'skipped' }, at(t));
    if (!first.allowed) throw new Error('expected a grant');
    expect(refused(await reserve(db, { accountId, action: 'message' }, at(plusSeconds(t, 10)))).reason).toBe('limit_daily');
    expect(await release(db, first.reservationId)).toBe(true);
    expect(await release(db, first.reservationId)).toBe(false);
    expect((await reserve(db, { accountId, action: 'message' }, at(plusSeconds(t, 10)))).allowed).toBe(true);
    await expect(release(db, 'not-an-id')).rejects.toThrow(/not a reservation id/);
  });
});

describe('limits configuration', () => {
  it('applies defaults, then the account, then the sequence, then the node, key by key', async () => {
    const accountId = await account({ limits: { invitation: { daily: 3, hourly: null, minSpacingSeconds: 0, jitterSeconds: 0 } } });
    const settings = sequenceSettingsSchema.parse({ limits: { invitation: { daily: 2 } } });
    const t = new Date('2026-05-04T10:00:00Z');
    const batch = (extra: Partial<ReserveRequest>, n: number) =>
      reserveMany(
        db,
        Array.from({ length: n }, () => ({ accountId, action: 'invitation', ...extra })),
        at(t),
      );
    expect((await batch({ sequence: { settings } }, 3)).map((r) => r.allowed)).toEqual([true, true, false]);
    // The node option is the most specific level.
    expect((await batch({ sequence: { settings }, limits: { daily: 3 } }, 2)).map((r) => r.allowed)).toEqual([true, false]);
    // The default weekly cap of 200 still applies: the account did not change it.
    expect(refused((await batch({ limits: { daily: null } }, 198))[197])).toMatchObject({ reason: 'limit_weekly', limit: 200 });
  });

  it('refuses a malformed accounts.limits with the path to fix', async () => {
    const accountId = await account({ limits: { invitation: { dayly: 40 } } });
    await expect(reserve(db, { accountId, action: 'invitation' })).rejects.toThrow(/accounts\.limits of account .* is invalid at "invitation".*dayly/);
    const other = await account({ limits: { message: { daily: -1 } } });
    await expect(reserve(db, { accountId: other, action: 'message' })).rejects.toThrow(/invalid at "message\.daily"/);
    await expect(reserve(db, { accountId: other, action: 'Send Email!' })).rejects.toThrow(/action must be invitation, message/);
  });
});

describe('usage', () => {
  it("reports used and remaining per window and action, in the account's day", async () => {
    const zone = 'Europe/Paris';
    const accountId = await account({ timezone: zone, limits: { invitation: { daily: 40 }, post_comment: { daily: 5 } } });
    const now = local('2026-05-06T15:00', zone);
    await reserve(db, { accountId, action: 'invitation', reference: 'yesterday' }, at(local('2026-05-05T15:00', zone)));
    await reserveMany(
      db,
      [
        { accountId, action: 'invitation', limits: { minSpacingSeconds: 0 } },
        { accountId, action: 'post_comment' },
      ],
      at(local('2026-05-06T14:30', zone)),
    );
    const report = await usage(db, accountId, { at: now });
    const invitation = report.actions.find((a) => a.action === 'invitation')!;
    expect(invitation).toMatchObject({
      hourly: { used: 1, limit: 15, remaining: 14 },
      daily: { used: 1, limit: 40, remaining: 39, resetsAt: local('2026-05-07T00:00', zone) },
      weekly: { used: 2, limit: 200, remaining: 198 },
      cooldown: null,
    });
    expect(report.actions.find((a) => a.action === 'post_comment')).toMatchObject({
      daily: { used: 1, limit: 5, remaining: 4 },
      weekly: { limit: null, remaining: null },
    });
    expect(report.actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(['invitation', 'message', 'inmail', 'profile_view', 'email', 'whatsapp', 'post_comment']),
    );
    expect(report.timezone).toBe(zone);
  });
});
