import { main } from '../../runtime/cli';
import { jobsSchemaOf } from '../../runtime/db/identifier';
import { createSequence } from '../../runtime/sequences/definitions';
import { enroll } from '../../runtime/sequences/enroll';
import { simulate } from '../../runtime/sequences/simulate';
import { openTestDb, type TestDb } from '../support/db';

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb();
  await createSequence(db, {
    key: 'ny',
    settings: {
      timezone: 'America/New_York',
      jitterMinutes: 30,
      steps: [
        { name: 'invite', action: 'invitation' },
        { name: 'followup', delay: { unit: 'hours', amount: 1 }, wakeOn: ['invitation_accepted'] },
        { name: 'last', delay: { unit: 'business_days', amount: 1 } },
      ],
    },
  });
});
afterAll(async () => db.close());

/** Friday 2030-03-15 16:30 in New York (EDT, UTC-4). */
const fridayAfternoon = '2030-03-15T20:30:00Z';

const countRows = async () => {
  const { rows } = await db.pool.query(
    `SELECT (SELECT count(*) FROM "${db.schema}".enrollments)::int AS e, (SELECT count(*) FROM "${jobsSchemaOf(db.schema)}".job)::int AS j`,
  );
  return rows[0];
};

describe('simulate', () => {
  it('shows each step on the business calendar without enrolling or scheduling anything', async () => {
    const before = await countRows();
    const result = await simulate(db, {
      sequenceKey: 'ny',
      contact: { email: 'someone@new.io' },
      from: fridayAfternoon,
      steps: [{ name: 'invite' }, { name: 'followup', delay: { unit: 'hours', amount: 1 } }, { name: 'last', delay: { unit: 'business_days', amount: 1 } }],
    });
    expect(await countRows()).toEqual(before);
    expect(result).toMatchObject({ contactId: null, enrollmentId: null, jitterExact: false, timezone: 'America/New_York' });
    // Jitter only ever moves a step later, by at most 30 minutes and inside the window.
    const [invite, followup, last] = result.steps;
    expect(invite.at.getTime() - Date.parse(fridayAfternoon)).toBeLessThanOrEqual(30 * 60_000);
    expect(invite.local).toMatch(/^Fri 2030-03-15 16:[3-5]\d America\/New_York$/);
    // One working hour after a time past 16:00 on Friday runs on into Monday morning.
    expect(followup.local).toMatch(/^Mon 2030-03-18 09:/);
    expect(last.local).toMatch(/^Tue 2030-03-19 /);
  });

  it('matches the real run for an enrolled contact (same jitter), and applies the account cooldown it knows', async () => {
    const [enrolled] = await enroll(db, { sequenceKey: 'ny', startAt: fridayAfternoon, accountId: 'acc-1', contacts: [{ email: 'ada@acme.io' }] });
    const real = await simulate(db, { sequenceKey: 'ny', contact: { email: 'ADA@acme.io' }, from: fridayAfternoon });
    expect(real).toMatchObject({ enrollmentId: enrolled.enrollmentId, contactId: enrolled.contactId, jitterExact: true });
    expect(real.steps[0].at.getTime()).toBe(enrolled.runAt!.getTime());
    expect(real.steps[1].wakeOn).toEqual(['invitation_accepted']);

    await db.pool.query(`INSERT INTO "${db.schema}".rate_state (account_id, action, cooldown_until, cooldown_reason) VALUES ('acc-1', 'invitation', '2030-03-20T14:00:00Z', 'quota')`);
    const limited = await simulate(db, { sequenceKey: 'ny', contactId: enrolled.contactId!, from: fridayAfternoon });
    expect(limited.steps[0].at.getTime()).toBeGreaterThanOrEqual(Date.parse('2030-03-20T14:00:00Z'));
    expect(limited.steps[0].notes).toContainEqual(expect.objectContaining({ reason: 'cooldown' }));
    // Later steps count from the moved one.
    expect(limited.steps[1].at.getTime()).toBeGreaterThan(limited.steps[0].at.getTime());
  });

  it('needs steps from the request or the sequence', async () => {
    await createSequence(db, { key: 'bare' });
    await expect(simulate(db, { sequenceKey: 'bare' })).rejects.toMatchObject({ code: 'validation_failed', details: [{ field: 'steps' }] });
  });

  it('`sequencer simulate` prints the timeline', async () => {
    const env = { DATABASE_URL: process.env.DATABASE_URL, SEQUENCER_SCHEMA: process.env.SEQUENCER_SCHEMA };
    process.env.DATABASE_URL = db.url;
    process.env.SEQUENCER_SCHEMA = db.schema;
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      expect(await main(['simulate', '--sequence', 'ny', '--contact', 'new@person.io', '--from', fridayAfternoon])).toBe(0);
    } finally {
      log.mockRestore();
      Object.assign(process.env, env);
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    }
    const out = lines.join('\n');
    expect(out).toContain('sequence ny (version 1, active), calendar America/New_York');
    expect(out).toMatch(/followup\s+2030-03-18T13:\d\d:\d\d\.000Z\s+Mon 2030-03-18 09:\d\d America\/New_York\s+earlier on invitation_accepted/);
  });
});
