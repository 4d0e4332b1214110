import { jobsSchemaOf } from '../../runtime/db/identifier';
import { QUEUES } from '../../runtime/jobs/boss';
import { createSequence, ensureSequence, updateSequence } from '../../runtime/sequences/definitions';
import { enroll } from '../../runtime/sequences/enroll';
import { changeEnrollments } from '../../runtime/sequences/enrollments';
import { SequencerError } from '../../runtime/sequences/errors';
import { openTestDb, type TestDb } from '../support/db';
import { enrollmentRow, jobsOf, timelineOf } from '../support/engine';

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => db.close());

/** Friday 2030-03-15 18:30 UTC: after hours before a weekend. */
const fridayEvening = '2030-03-15T18:30:00Z';

describe('bulk enrolment', () => {
  it('answers one outcome per contact, in input order, naming the bad field', async () => {
    await createSequence(db, { key: 'outcomes', settings: { skipIfRepliedWithinDays: 30 } });
    const [blocked] = await enroll(db, { sequenceKey: 'outcomes', contacts: [{ email: 'dnc@acme.io' }, { email: 'replied@acme.io' }] }).then(async (r) => {
      await db.pool.query(`UPDATE "${db.schema}".contacts SET do_not_contact = true WHERE id = $1`, [r[0].contactId]);
      await changeEnrollments(db, [r[0].enrollmentId!, r[1].enrollmentId!], { action: 'stop' });
      await db.pool.query(
        `INSERT INTO "${db.schema}".engagement_events (contact_id, kind, occurred_at, source_key) VALUES ($1, 'reply', now() - interval '2 days', 'r1')`,
        [r[1].contactId],
      );
      return r;
    });
    expect(blocked.outcome).toBe('enrolled');

    const results = await enroll(db, {
      sequenceKey: 'outcomes',
      reenroll: true,
      contacts: [
        { email: 'Jane@Acme.io', firstName: 'Jane' },
        { email: 'not-an-email' },
        { firstName: 'Nobody' },
        { email: 'jane@acme.io', linkedinPublicId: 'https://www.linkedin.com/in/jane-doe/' },
        { email: 'dnc@acme.io' },
        { email: 'replied@acme.io' },
        { phone: '+33 6 12 34 56 78', emial: 'typo@acme.io' },
        { phone: '06 12' },
      ],
    });
    expect(results.map((r) => r.outcome)).toEqual([
      'enrolled',
      'invalid',
      'invalid',
      'already_enrolled',
      'skipped_do_not_contact',
      'skipped_replied_recently',
      'invalid',
      'invalid',
    ]);
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(results[1].details).toEqual([{ field: 'contacts.1.email', message: '"not-an-email" is not an email address' }]);
    expect(results[2].details![0].message).toMatch(/at least one of email, phone/);
    expect(results[3]).toMatchObject({ contactId: results[0].contactId, enrollmentId: results[0].enrollmentId });
    expect(results[6].details![0].field).toBe('contacts.6');
    expect(results[6].details![0].message).toMatch(/emial/);
    expect(results[7].details![0].field).toBe('contacts.7.phone');
  });

  it('is idempotent: enrolling the same people again changes nothing', async () => {
    await createSequence(db, { key: 'again' });
    const contacts = [{ email: 'a@acme.io' }, { linkedinProviderId: 'ACoAAB123' }];
    const first = await enroll(db, { sequenceKey: 'again', contacts });
    const second = await enroll(db, { sequenceKey: 'again', contacts });
    expect(second.map((r) => r.outcome)).toEqual(['already_enrolled', 'already_enrolled']);
    expect(second.map((r) => r.enrollmentId)).toEqual(first.map((r) => r.enrollmentId));
    expect(await jobsOf(db, first[0].enrollmentId!)).toHaveLength(1);

    // A finished enrollment still counts, unless re-enrolment is asked for.
    await changeEnrollments(db, [first[0].enrollmentId!], { action: 'complete' });
    expect((await enroll(db, { sequenceKey: 'again', contacts: [contacts[0]] }))[0]).toMatchObject({ outcome: 'already_enrolled', enrollmentId: first[0].enrollmentId });
    const [fresh] = await enroll(db, { sequenceKey: 'again', contacts: [contacts[0]], reenroll: true });
    expect(fresh.outcome).toBe('enrolled');
    expect(fresh.enrollmentId).not.toBe(first[0].enrollmentId);
  });

  it('makes the first step due at the next working moment of the sequence (or the contact) calendar', async () => {
    await createSequence(db, { key: 'calendar', settings: { timezone: 'UTC', useContactTimezone: true } });
    const results = await enroll(db, {
      sequenceKey: 'calendar',
      startAt: fridayEvening,
      startStep: 'invite',
      vars: { campaign: 'spring' },
      contacts: [
        { email: 'utc@acme.io' },
        { email: 'ny@acme.io', timezone: 'America/New_York' },
        { email: 'tokyo@acme.io', timezone: 'Asia/Tokyo', vars: { tier: 'gold' } },
      ],
    });
    // UTC: after hours → Monday 09:00. New York: 14:30 on Friday, inside its window → at once. Tokyo: Saturday → Monday 09:00 JST.
    expect(results.map((r) => r.runAt?.toISOString())).toEqual(['2030-03-18T09:00:00.000Z', '2030-03-15T18:30:00.000Z', '2030-03-18T00:00:00.000Z']);
    const tokyo = await enrollmentRow(db, results[2].enrollmentId!);
    expect(tokyo).toMatchObject({ status: 'active', next_step: 'invite', schedule_version: 1 });
    const [job] = await jobsOf(db, results[2].enrollmentId!);
    expect(job).toMatchObject({ state: 'created', data: { step: 'invite', version: 1 } });
    expect(job.start_after.toISOString()).toBe('2030-03-18T00:00:00.000Z');
    const { rows } = await db.pool.query(`SELECT vars FROM "${db.schema}".enrollments WHERE id = $1`, [results[2].enrollmentId]);
    expect(rows[0].vars).toEqual({ campaign: 'spring', tier: 'gold' });
    expect(await timelineOf(db, results[0].enrollmentId!)).toEqual([
      expect.objectContaining({ kind: 'enrolled', step: 'invite', data: expect.objectContaining({ runAt: '2030-03-18T09:00:00.000Z' }) }),
    ]);
  });

  it('starts at the first step listed in settings.steps, after its delay', async () => {
    await ensureSequence(db, {
      key: 'listed',
      settings: { steps: [{ name: 'invite', delay: { unit: 'business_days', amount: 1 } }, { name: 'followup', delay: { unit: 'days', amount: 3 } }] },
    });
    const [r] = await enroll(db, { sequenceKey: 'listed', startAt: '2030-03-19T10:15:00Z', contacts: [{ email: 'listed@acme.io' }] });
    expect(await enrollmentRow(db, r.enrollmentId!)).toMatchObject({ next_step: 'invite' });
    expect(r.runAt!.toISOString()).toBe('2030-03-20T10:15:00.000Z');
  });

  it('enrols thousands in one call, creates their jobs in bulk and refreshes the job table statistics', async () => {
    await createSequence(db, { key: 'bulk' });
    const contacts = Array.from({ length: 2000 }, (_, i) => ({ email: `bulk${i}@acme.io`, firstName: `N${i}` }));
    const results = await enroll(db, { sequenceKey: 'bulk', contacts, accountId: 'acc-new' });
    expect(results.filter((r) => r.outcome === 'enrolled')).toHaveLength(2000);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM "${jobsSchemaOf(db.schema)}".job WHERE name = $1 AND data->>'step' = 'start'`, [QUEUES.step]);
    expect(rows[0].n).toBeGreaterThanOrEqual(2000);
    const analyzed = await db.pool.query(`SELECT last_analyze FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'job_common'`, [jobsSchemaOf(db.schema)]);
    expect(analyzed.rows[0].last_analyze).not.toBeNull();
    const account = await db.pool.query(`SELECT id FROM "${db.schema}".accounts WHERE id = 'acc-new'`);
    expect(account.rows).toHaveLength(1);
  });

  it('refuses an unknown or archived sequence with an error that says what to do', async () => {
    await expect(enroll(db, { sequenceKey: 'nope', contacts: [{ email: 'x@acme.io' }] })).rejects.toMatchObject({ code: 'not_found' });
    await createSequence(db, { key: 'old' });
    await updateSequence(db, 'old', { status: 'archived' });
    const error = await enroll(db, { sequenceKey: 'old', contacts: [{ email: 'x@acme.io' }] }).catch((e: SequencerError) => e);
    expect(error).toBeInstanceOf(SequencerError);
    expect((error as SequencerError).message).toMatch(/archived: make it active again/);
    await expect(enroll(db, { sequenceKey: 'old', contacts: [] })).rejects.toMatchObject({ code: 'validation_failed', details: [{ field: 'contacts' }] });
  });
});
