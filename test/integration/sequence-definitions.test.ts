import { createSequence, ensureSequence, getSequence, listSequences, updateSequence } from '../../runtime/sequences/definitions';
import { enroll } from '../../runtime/sequences/enroll';
import { openTestDb, type TestDb } from '../support/db';
import { enrollmentRow, jobsOf } from '../support/engine';

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => db.close());

describe('sequence definitions', () => {
  it('creates with defaults, refuses a second sequence with the same key, lists by status', async () => {
    const created = await createSequence(db, { key: 'defs-a', name: 'A' });
    expect(created).toMatchObject({ key: 'defs-a', name: 'A', status: 'active', version: 1, settings: { timezone: 'UTC', workingDays: [1, 2, 3, 4, 5] } });
    await expect(createSequence(db, { key: 'defs-a' })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/already exists/) });
    await createSequence(db, { key: 'defs-b', status: 'paused' });
    expect((await listSequences(db, { status: 'paused' })).map((s) => s.key)).toEqual(['defs-b']);
  });

  it('names the bad setting and how to fix it', async () => {
    await expect(createSequence(db, { key: 'bad', settings: { workingHours: { start: '9am', end: '17:00' } } as never })).rejects.toMatchObject({
      code: 'validation_failed',
      details: expect.arrayContaining([{ field: 'settings.workingHours.start', message: expect.stringMatching(/HH:MM/) }]),
    });
    await expect(
      createSequence(db, { key: 'bad', settings: { steps: [{ name: 'a' }, { name: 'a' }, { name: 'b', delay: { unit: 'at', time: '20:00' } }] } }),
    ).rejects.toMatchObject({
      details: [
        { field: 'settings.steps.1.name', message: expect.stringMatching(/listed twice/) },
        { field: 'settings.steps.2.delay.time', message: expect.stringMatching(/outside the working window/) },
      ],
    });
    await expect(createSequence(db, { key: 'has space' })).rejects.toMatchObject({ details: [{ field: 'key' }] });
  });

  it('bumps the version on a change, and an unchanged ensure is a no-op', async () => {
    await createSequence(db, { key: 'defs-v' });
    const updated = await updateSequence(db, 'defs-v', { settings: { timezone: 'Europe/Paris' } });
    expect(updated).toMatchObject({ version: 2, settings: { timezone: 'Europe/Paris', jitterMinutes: 0 } });
    expect((await ensureSequence(db, { key: 'defs-v', settings: { timezone: 'Europe/Paris' } })).version).toBe(2);
    expect((await ensureSequence(db, { key: 'defs-v', settings: { timezone: 'Europe/Berlin' } })).version).toBe(3);
    expect((await updateSequence(db, 'defs-v', { name: 'defs-v' })).version).toBe(3);
    await expect(updateSequence(db, 'nope', { name: 'x' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('archiving stops every live enrollment, cancelling its pending step', async () => {
    await createSequence(db, { key: 'defs-arch' });
    const [r] = await enroll(db, { sequenceKey: 'defs-arch', contacts: [{ email: 'arch@acme.io' }] });
    await updateSequence(db, 'defs-arch', { status: 'archived' });
    expect(await enrollmentRow(db, r.enrollmentId!)).toMatchObject({ status: 'stopped', stop_reason: 'sequence_archived' });
    expect((await jobsOf(db, r.enrollmentId!)).map((j) => j.state)).toEqual(['cancelled']);
    expect((await getSequence(db, 'defs-arch'))!.status).toBe('archived');
  });
});
