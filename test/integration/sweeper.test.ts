import { upsertContacts } from '../../runtime/contacts/upsert';
import { withTransaction } from '../../runtime/db/pool';
import { sweep } from '../../runtime/sequences/sweeper';
import { enqueueStepJobs } from '../../runtime/sequences/timers';
import { openTestDb, type TestDb } from '../support/db';

let db: TestDb;
let sequenceId: string;
beforeAll(async () => {
  db = await openTestDb();
  sequenceId = (await db.pool.query(`INSERT INTO "${db.schema}".sequences (key, name) VALUES ('s', 'S') RETURNING id`)).rows[0].id;
  await db.pool.query(`INSERT INTO "${db.schema}".accounts (id) VALUES ('acc')`);
});
afterAll(async () => db.close());

async function enrollment(email: string, dueMinutesAgo: number, withJob: boolean) {
  const [{ contactId }] = await upsertContacts(db.pool, db.schema, [{ identities: [{ kind: 'email', value: email }] }]);
  const runAt = new Date(Date.now() - dueMinutesAgo * 60_000);
  return withTransaction(db.pool, async (tx) => {
    const { rows } = await tx.query(
      `INSERT INTO "${db.schema}".enrollments (sequence_id, contact_id, next_step, next_run_at, schedule_version) VALUES ($1, $2, 'followup', $3, 1) RETURNING id`,
      [sequenceId, contactId, runAt],
    );
    if (withJob) await enqueueStepJobs(db, tx, [{ enrollmentId: rows[0].id, step: 'followup', version: 1, runAt }]);
    return rows[0].id as string;
  });
}

const statusOf = async (id: string) => (await db.pool.query(`SELECT status, stop_reason FROM "${db.schema}".enrollments WHERE id = $1`, [id])).rows[0];

describe('the sweeper', () => {
  it('fails an enrollment whose overdue step has no job left, and leaves the others alone', async () => {
    const lost = await enrollment('lost@acme.io', 120, false);
    const queued = await enrollment('queued@acme.io', 120, true);
    const recent = await enrollment('recent@acme.io', 5, false);
    const result = await sweep(db);
    expect(result.failedEnrollments).toBe(1);
    expect(await statusOf(lost)).toEqual({ status: 'failed', stop_reason: 'dispatch_failed' });
    expect(await statusOf(queued)).toEqual({ status: 'active', stop_reason: null });
    expect(await statusOf(recent)).toEqual({ status: 'active', stop_reason: null });
    const { rows } = await db.pool.query(`SELECT kind, reason FROM "${db.schema}".enrollment_events WHERE enrollment_id = $1`, [lost]);
    expect(rows).toEqual([{ kind: 'failed', reason: 'dispatch_failed' }]);
  });

  it('turns a send interrupted before UniPile answered into unknown, never back into a retry', async () => {
    await db.pool.query(
      `INSERT INTO "${db.schema}".messages (account_id, direction, status, idempotency_key, updated_at) VALUES
         ('acc', 'out', 'sending', 'old', now() - interval '30 minutes'), ('acc', 'out', 'sending', 'fresh', now())`,
    );
    expect((await sweep(db)).unknownSends).toBe(1);
    const { rows } = await db.pool.query(`SELECT idempotency_key, status FROM "${db.schema}".messages ORDER BY idempotency_key`);
    expect(rows).toEqual([
      { idempotency_key: 'fresh', status: 'sending' },
      { idempotency_key: 'old', status: 'unknown' },
    ]);
  });
});
