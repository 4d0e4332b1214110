import type { INode, IWorkflowBase } from 'n8n-workflow';
import { closeAllConnections } from '../../nodes/shared/database';
import { createSequence } from '../../runtime/sequences/definitions';
import { enroll } from '../../runtime/sequences/enroll';
import { openTestDb, type TestDb } from '../support/db';
import { enrollmentRow, jobsOf, openNowSettings, timelineOf } from '../support/engine';
import { databaseCredential, outputOf, PACKAGE_NAME, runError, runWorkflow } from '../support/n8n';

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb();
  await createSequence(db, { key: 'node-seq', settings: openNowSettings({ steps: [{ name: 'start' }, { name: 'followup', delay: { unit: 'days', amount: 3 } }] }) as never });
});
afterAll(async () => {
  await closeAllConnections();
  await db.close();
});

/** A one-node workflow: Sequence Step with these parameters, fed `items`. */
async function runStep(parameters: INode['parameters'], items: Record<string, unknown>[], extra: Partial<INode> = {}) {
  const node: INode = {
    id: 'step',
    name: 'Sequence Step',
    type: `${PACKAGE_NAME}.sequenceStep`,
    typeVersion: 1,
    position: [0, 0],
    parameters,
    credentials: { sequencerDatabase: { id: '1', name: 'Sequencer' } },
    ...extra,
  };
  const workflowJson = { nodes: [node], connections: {} } as Pick<IWorkflowBase, 'nodes' | 'connections'>;
  const { run } = await runWorkflow({
    workflowJson,
    credentials: { sequencerDatabase: databaseCredential(db.url, db.schema) },
    inputItems: items.map((json) => ({ json: json as never })),
  });
  return { run, out: outputOf(run, 'Sequence Step') ?? [] };
}

/** What the Sequencer Trigger emits for a due step (only the fields the node reads). */
const dispatched = (enrollmentId: string, step = 'start') => ({ event: 'sequence.step', enrollment: { id: enrollmentId }, step });

async function enrolled(email: string) {
  const [r] = await enroll(db, { sequenceKey: 'node-seq', contacts: [{ email }] });
  return r.enrollmentId!;
}

describe('Sequence Step node', () => {
  it('enrolls items as contacts, one outcome per item, paired with its input', async () => {
    const { run, out } = await runStep({ operation: 'enroll', sequenceKey: 'node-seq', options: { vars: '={{ { "source": $json.source } }}' } }, [
      { email: 'one@acme.io', firstName: 'One', source: 'csv' },
      { email: 'not-an-email' },
      { email: 'ONE@acme.io' },
      { linkedinUrl: 'https://www.linkedin.com/in/two-person/' },
    ]);
    expect(run.status).toBe('success');
    expect(out.map((i) => i.json.outcome)).toEqual(['enrolled', 'invalid', 'already_enrolled', 'enrolled']);
    expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
    expect(out[1].json.details).toEqual([{ field: 'contacts.1.email', message: '"not-an-email" is not an email address' }]);
    expect(out[0].json).toMatchObject({ sequenceKey: 'node-seq', runAt: expect.any(String) });
    const { rows } = await db.pool.query(`SELECT vars FROM "${db.schema}".enrollments WHERE id = $1`, [out[0].json.enrollmentId]);
    expect(rows[0].vars).toEqual({ source: 'csv' });
  });

  it('creates the sequence from its settings when enrolling into a new key', async () => {
    const { out } = await runStep(
      { operation: 'enroll', sequenceKey: 'born-in-n8n', options: { sequenceName: 'Born in n8n', settings: '{ "timezone": "Europe/Paris", "jitterMinutes": 5 }' } },
      [{ email: 'new@acme.io' }],
    );
    expect(out[0].json.outcome).toBe('enrolled');
    const { rows } = await db.pool.query(`SELECT name, settings FROM "${db.schema}".sequences WHERE key = 'born-in-n8n'`);
    expect(rows[0]).toMatchObject({ name: 'Born in n8n', settings: expect.objectContaining({ timezone: 'Europe/Paris', jitterMinutes: 5 }) });
  });

  it('stops the run with a fix when the sequence does not exist', async () => {
    const { run } = await runStep({ operation: 'enroll', sequenceKey: 'missing-seq' }, [{ email: 'x@acme.io' }]);
    expect(run.status).toBe('error');
    expect(runError(run)?.message).toMatch(/sequence "missing-seq" does not exist/);
    expect((runError(run) as { description?: string }).description).toMatch(/Sequence Settings/);
  });

  it('schedules the next step of dispatched items after a business-time delay, waking on acceptance', async () => {
    const a = await enrolled('sched-a@acme.io');
    const b = await enrolled('sched-b@acme.io');
    const { out } = await runStep(
      { operation: 'scheduleNext', step: 'first_message', timing: 'delay', amount: 2, unit: 'business_days', wakeOn: ['invitation_accepted'] },
      [dispatched(a), dispatched(b)],
    );
    expect(out.map((i) => i.json.outcome)).toEqual(['scheduled', 'scheduled']);
    expect(await enrollmentRow(db, a)).toMatchObject({ next_step: 'first_message', wake_on: ['invitation_accepted'] });
    const pending = (await jobsOf(db, a)).filter((j) => j.state === 'created');
    expect(pending).toHaveLength(1);
    expect(pending[0].data.step).toBe('first_message');
  });

  it("uses the sequence's default delay for a listed step, and says why when there is none", async () => {
    const id = await enrolled('default@acme.io');
    const { out } = await runStep({ operation: 'scheduleNext', step: 'followup', timing: 'sequenceDefault' }, [dispatched(id)]);
    expect(new Date(out[0].json.runAt as string).getTime()).toBeGreaterThan(Date.now() + 2 * 86_400_000);

    const { run } = await runStep({ operation: 'scheduleNext', step: 'unlisted', timing: 'sequenceDefault' }, [dispatched(id)]);
    expect(run.status).toBe('error');
    expect(runError(run)?.message).toMatch(/no default delay for it/);
    // The failed batch changed nothing.
    expect((await enrollmentRow(db, id)).next_step).toBe('followup');
  });

  it("schedules a step at the Rate Gate's retryAt", async () => {
    const id = await enrolled('retry-at@acme.io');
    const retryAt = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const { out } = await runStep({ operation: 'scheduleAt', keepInWorkingHours: false }, [{ ...dispatched(id, 'invite'), retryAt, reason: 'limit_daily' }]);
    expect(out[0].json).toMatchObject({ outcome: 'scheduled', step: 'invite', runAt: retryAt });
  });

  it('pauses until a date, resumes, stops with a reason, and reads the state with its timeline', async () => {
    const id = await enrolled('life@acme.io');
    const until = new Date(Date.now() + 5 * 86_400_000).toISOString();
    const paused = await runStep({ operation: 'pause', reason: 'out_of_office', until }, [dispatched(id)]);
    expect(paused.out[0].json).toMatchObject({ outcome: 'changed', status: 'paused' });
    expect(await enrollmentRow(db, id)).toMatchObject({ pause_reason: 'out_of_office', paused_until: new Date(until) });

    expect((await runStep({ operation: 'resume' }, [dispatched(id)])).out[0].json).toMatchObject({ outcome: 'changed', status: 'active' });
    expect((await runStep({ operation: 'resume' }, [dispatched(id)])).out[0].json).toMatchObject({ outcome: 'unchanged', status: 'active' });
    expect((await runStep({ operation: 'stop', reason: 'meeting_booked' }, [dispatched(id)])).out[0].json).toMatchObject({ outcome: 'changed', status: 'stopped' });

    const { out } = await runStep({ operation: 'get', timelineLimit: 3 }, [{ enrollmentId: id }]);
    expect(out[0].json).toMatchObject({ id, status: 'stopped', stopReason: 'meeting_booked', sequence: { key: 'node-seq' } });
    expect((out[0].json.timeline as { kind: string }[]).map((e) => e.kind)).toEqual(['paused', 'resumed', 'stopped']);
    expect((await timelineOf(db, id)).at(-1)).toMatchObject({ kind: 'stopped', reason: 'meeting_booked' });
  });

  it('completes enrollments of a whole batch', async () => {
    const ids = [await enrolled('c1@acme.io'), await enrolled('c2@acme.io')];
    const { out } = await runStep({ operation: 'complete' }, ids.map((id) => dispatched(id)));
    expect(out.map((i) => i.json.status)).toEqual(['completed', 'completed']);
  });

  it('names the item and the fix for a missing enrollment id; with "continue on fail" the others go on', async () => {
    const id = await enrolled('cof@acme.io');
    const { run } = await runStep({ operation: 'complete' }, [dispatched(id), { something: 'else' }]);
    expect(run.status).toBe('error');
    expect(runError(run)?.message).toBe('Enrollment ID is empty');
    expect((await enrollmentRow(db, id)).status).toBe('active');

    const { out } = await runStep({ operation: 'complete' }, [dispatched(id), { enrollment: { id: '00000000-0000-4000-8000-000000000000' } }], {
      onError: 'continueRegularOutput',
    });
    expect(out[0].json).toMatchObject({ outcome: 'changed', status: 'completed' });
    expect(out[1].json.error).toMatch(/does not exist/);
    expect(out[1].pairedItem).toEqual({ item: 1 });
  });
});
