import { upsertContacts } from '../../runtime/contacts/upsert';
import { jobsSchemaOf } from '../../runtime/db/identifier';
import { withTransaction } from '../../runtime/db/pool';
import { QUEUES } from '../../runtime/jobs/boss';
import { enqueueStepJobs, stepJobId } from '../../runtime/sequences/timers';
import { pauseEnrollments, resumeEnrollments, stopEnrollments, wakeEnrollments } from '../../runtime/sequences/transitions';
import { openTestDb, type TestDb } from '../support/db';

let db: TestDb;
let sequenceId: string;
beforeAll(async () => {
  db = await openTestDb();
  sequenceId = (await db.pool.query(`INSERT INTO "${db.schema}".sequences (key, name) VALUES ('intro', 'Intro') RETURNING id`)).rows[0].id;
});
afterAll(async () => db.close());

async function enrollWaiting(email: string, step: string, runAt: Date, wakeOn: string[] = []) {
  const [{ contactId }] = await upsertContacts(db.pool, db.schema, [{ identities: [{ kind: 'email', value: email }] }]);
  return withTransaction(db.pool, async (tx) => {
    const { rows } = await tx.query(
      `INSERT INTO "${db.schema}".enrollments (sequence_id, contact_id, next_step, next_run_at, wake_on, schedule_version)
       VALUES ($1, $2, $3, $4, $5, 1) RETURNING id`,
      [sequenceId, contactId, step, runAt, wakeOn],
    );
    await enqueueStepJobs(db, tx, [{ enrollmentId: rows[0].id, step, version: 1, runAt }]);
    return { enrollmentId: rows[0].id as string, contactId };
  });
}

async function jobsOf(enrollmentId: string) {
  const { rows } = await db.pool.query(
    `SELECT id, state::text AS state, data, start_after FROM "${jobsSchemaOf(db.schema)}".job WHERE name = $1 AND singleton_key = $2 ORDER BY created_on`,
    [QUEUES.step, `enrollment:${enrollmentId}`],
  );
  return rows as { id: string; state: string; data: { step: string; version: number; wokeBy?: string }; start_after: Date }[];
}

async function timeline(enrollmentId: string) {
  const { rows } = await db.pool.query(`SELECT kind, reason, step FROM "${db.schema}".enrollment_events WHERE enrollment_id = $1 ORDER BY id`, [enrollmentId]);
  return rows;
}

const tomorrow = () => new Date(Date.now() + 86_400_000);

describe('enrollment state changes', () => {
  it('stopping cancels the pending step job in the same transaction and says why', async () => {
    const { enrollmentId } = await enrollWaiting('stop@acme.io', 'followup', tomorrow());
    expect((await jobsOf(enrollmentId)).map((j) => j.state)).toEqual(['created']);
    await withTransaction(db.pool, (tx) => stopEnrollments(db, tx, [enrollmentId], 'replied', { via: 'test' }));
    expect((await jobsOf(enrollmentId)).map((j) => j.state)).toEqual(['cancelled']);
    expect(await timeline(enrollmentId)).toEqual([{ kind: 'stopped', reason: 'replied', step: null }]);
    const { rows } = await db.pool.query(`SELECT status, stop_reason, next_step FROM "${db.schema}".enrollments WHERE id = $1`, [enrollmentId]);
    expect(rows[0]).toEqual({ status: 'stopped', stop_reason: 'replied', next_step: null });
  });

  it('a rolled-back stop leaves the job and the enrollment as they were', async () => {
    const { enrollmentId } = await enrollWaiting('rollback@acme.io', 'followup', tomorrow());
    await expect(
      withTransaction(db.pool, async (tx) => {
        await stopEnrollments(db, tx, [enrollmentId], 'replied');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await jobsOf(enrollmentId)).map((j) => j.state)).toEqual(['created']);
  });

  it('an event an enrollment waits for makes its step due now, marked with what woke it', async () => {
    const { enrollmentId, contactId } = await enrollWaiting('wake@acme.io', 'first_message', new Date(Date.now() + 5 * 86_400_000), ['invitation_accepted']);
    const other = await enrollWaiting('nowake@acme.io', 'first_message', tomorrow());
    const woken = await withTransaction(db.pool, (tx) => wakeEnrollments(db, tx, [contactId, other.contactId], 'invitation_accepted'));
    expect(woken.map((w) => w.id)).toEqual([enrollmentId]);
    const jobs = await jobsOf(enrollmentId);
    expect(jobs.map((j) => j.state)).toEqual(['cancelled', 'created']);
    expect(jobs[1].id).toBe(stepJobId(enrollmentId, 'first_message', 2));
    expect(jobs[1].data).toMatchObject({ step: 'first_message', version: 2, wokeBy: 'invitation_accepted' });
    expect(jobs[1].start_after.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect((await jobsOf(other.enrollmentId)).map((j) => j.state)).toEqual(['created']);
  });

  it('pause cancels the job and keeps the pending step; resume schedules it again', async () => {
    const { enrollmentId } = await enrollWaiting('pause@acme.io', 'followup', tomorrow());
    await withTransaction(db.pool, (tx) => pauseEnrollments(db, tx, [enrollmentId], 'account_disconnected'));
    expect((await jobsOf(enrollmentId)).map((j) => j.state)).toEqual(['cancelled']);
    const later = new Date(Date.now() + 2 * 86_400_000);
    const resumed = await withTransaction(db.pool, (tx) => resumeEnrollments(db, tx, [enrollmentId], 'account_reconnected', () => later));
    expect(resumed).toHaveLength(1);
    const jobs = await jobsOf(enrollmentId);
    expect(jobs.map((j) => j.state)).toEqual(['cancelled', 'created']);
    expect(jobs[1].start_after.getTime()).toBe(later.getTime());
    expect((await timeline(enrollmentId)).map((e) => `${e.kind}:${e.reason}`)).toEqual(['paused:account_disconnected', 'resumed:account_reconnected']);
  });
});
