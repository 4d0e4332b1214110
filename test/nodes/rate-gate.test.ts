import { DateTime } from 'luxon';
import { type INode, type INodeExecutionData, type INodeParameters, NodeHelpers, Workflow } from 'n8n-workflow';
import { upsertContacts } from '../../runtime/contacts/upsert';
import { closeAllConnections } from '../../nodes/shared/database';
import { openTestDb, type TestDb } from '../support/db';
import { databaseCredential, outputOf, PACKAGE_NAME, packageNodeTypes, runError, runWorkflow, TestNodeTypes } from '../support/n8n';

let db: TestDb;
beforeAll(async () => (db = await openTestDb()));
afterAll(async () => {
  await closeAllConnections();
  await db.close();
});

const sql = (text: string, values: unknown[] = []) => db.pool.query(text.replaceAll('$schema', `"${db.schema}"`), values);

let seq = 0;
/** An account, a sequence and `n` enrolled contacts, as enrolment leaves them; returns dispatch payloads. */
async function dispatched(n: number, options: { limits?: unknown; settings?: unknown; step?: string } = {}) {
  const accountId = `acct_gate_${++seq}`;
  await sql(`INSERT INTO $schema.accounts (id, provider, timezone, limits) VALUES ($1, 'LINKEDIN', 'UTC', $2)`, [
    accountId,
    JSON.stringify(options.limits ?? {}),
  ]);
  const sequenceKey = `gate-${seq}`;
  const { rows } = await sql(`INSERT INTO $schema.sequences (key, name, settings) VALUES ($1, $1, $2) RETURNING id`, [
    sequenceKey,
    JSON.stringify(options.settings ?? {}),
  ]);
  const contacts = await upsertContacts(
    db.pool,
    db.schema,
    Array.from({ length: n }, (_, i) => ({ identities: [{ kind: 'linkedin' as const, value: `ACoAA${seq}x${i}` }] })),
  );
  const payloads: INodeExecutionData[] = [];
  for (const [i, c] of contacts.entries()) {
    const enrollment = await sql(`INSERT INTO $schema.enrollments (sequence_id, contact_id, account_id, next_step) VALUES ($1, $2, $3, $4) RETURNING id`, [
      rows[0].id,
      c.contactId,
      accountId,
      options.step ?? 'invite',
    ]);
    payloads.push({
      json: {
        event: 'sequence.step',
        deliveryId: `d-${seq}-${i}`,
        enrollment: { id: enrollment.rows[0].id },
        sequence: { key: sequenceKey },
        step: options.step ?? 'invite',
        attempt: 1,
        contact: { id: c.contactId },
        account: { id: accountId },
        vars: {},
      },
    });
  }
  return { accountId, payloads };
}

function gateNode(parameters: INodeParameters, extra: Partial<INode> = {}): INode {
  return {
    id: 'gate',
    name: 'Rate Gate',
    type: `${PACKAGE_NAME}.rateGate`,
    typeVersion: 1,
    position: [0, 0],
    parameters,
    credentials: { sequencerDatabase: { id: '1', name: 'db' } },
    ...extra,
  };
}

async function run(parameters: INodeParameters, inputItems: INodeExecutionData[], extra: Partial<INode> = {}) {
  const { run } = await runWorkflow({
    workflowJson: { nodes: [gateNode(parameters, extra)], connections: {} },
    credentials: { sequencerDatabase: databaseCredential(db.url, db.schema) },
    inputItems,
    startNodeName: 'Rate Gate',
  });
  return run;
}

const noPacing = { hourly: null, minSpacingSeconds: 0, jitterSeconds: 0 };
/** A sequence's default calendar is weekdays 09:00–17:00: these tests must not depend on when they run. */
const anyTime = { options: { ignoreWorkingHours: true } };

describe('Rate Gate node', () => {
  it('draws Allowed and Limited for Reserve, one output for Release and Get Usage', () => {
    const nodeTypes = new TestNodeTypes(packageNodeTypes());
    const namesFor = (operation: string) => {
      const node = gateNode({ operation });
      const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
      const { description } = nodeTypes.getByNameAndVersion(node.type, 1);
      return NodeHelpers.getNodeOutputs(workflow, workflow.getNode(node.name)!, description).map((o) => (typeof o === 'string' ? o : o.displayName));
    };
    expect([namesFor('reserve'), namesFor('release'), namesFor('getUsage')]).toEqual([['Allowed', 'Limited'], [''], ['']]);
  });

  it('lets the capacity through and sends the rest to Limited with retryAt and reason, recording the deferral', async () => {
    const { payloads } = await dispatched(3, { limits: { invitation: { ...noPacing, daily: 1 } } });
    const result = await run({ operation: 'reserve', accountAction: 'invitation', ...anyTime }, payloads);
    expect(runError(result)).toBeUndefined();
    const allowed = outputOf(result, 'Rate Gate', 0)!;
    const limited = outputOf(result, 'Rate Gate', 1)!;
    expect(allowed).toHaveLength(1);
    expect(allowed[0].pairedItem).toEqual({ item: 0 });
    expect(allowed[0].json.rateGate).toMatchObject({ allowed: true, reservationId: expect.stringMatching(/^\d+$/), action: 'invitation' });
    expect(allowed[0].json.enrollment).toEqual(payloads[0].json.enrollment); // the item is passed on

    expect(limited.map((i) => i.pairedItem)).toEqual([{ item: 1 }, { item: 2 }]);
    const tomorrow = DateTime.utc().plus({ days: 1 }).startOf('day').toISO()!;
    for (const item of limited) {
      expect(item.json).toMatchObject({ reason: 'limit_daily', retryAt: new Date(tomorrow).toISOString(), rateGate: { allowed: false, limit: 1, used: 1 } });
    }

    const enrollmentIds = payloads.map((p) => (p.json.enrollment as { id: string }).id);
    const { rows } = await sql(`SELECT enrollment_id, kind, step, reason, data FROM $schema.enrollment_events WHERE enrollment_id = ANY($1) ORDER BY id`, [
      enrollmentIds,
    ]);
    expect(rows).toEqual([
      {
        enrollment_id: enrollmentIds[1],
        kind: 'deferred',
        step: 'invite',
        reason: 'limit_daily',
        data: expect.objectContaining({ retryAt: limited[0].json.retryAt, action: 'invitation' }),
      },
      {
        enrollment_id: enrollmentIds[2],
        kind: 'deferred',
        step: 'invite',
        reason: 'limit_daily',
        data: expect.objectContaining({ retryAt: limited[1].json.retryAt }),
      },
    ]);
    const ledger = await sql(`SELECT reference FROM $schema.rate_ledger WHERE id = $1`, [
      (allowed[0].json.rateGate as { reservationId: string }).reservationId,
    ]);
    expect(ledger.rows[0].reference).toBe(`${enrollmentIds[0]}:invite`);
  });

  it("applies the sequence's calendar: outside working hours, the step comes back at the next opening", async () => {
    const today = DateTime.utc().toISODate()!;
    const tomorrow = DateTime.utc().plus({ days: 1 }).toISODate()!;
    const settings = { timezone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6, 7], holidays: { dates: [today, tomorrow] } };
    const { payloads } = await dispatched(1, { settings, limits: { message: noPacing }, step: 'followup' });
    const result = await run({ operation: 'reserve', accountAction: 'message' }, payloads);
    const [limited] = outputOf(result, 'Rate Gate', 1)!;
    expect(limited.json).toMatchObject({ reason: 'outside_working_hours', retryAt: `${DateTime.utc().plus({ days: 2 }).toISODate()}T09:00:00.000Z` });
  });

  it("honours node options over the account's limits, for custom actions too", async () => {
    const { accountId } = await dispatched(0);
    const items = Array.from({ length: 4 }, (_, i) => ({ json: { accountId, n: i } }));
    const result = await run(
      {
        operation: 'reserve',
        accountAction: 'custom',
        customAction: 'post_comment',
        accountId: '={{ $json.accountId }}',
        enrollmentId: '',
        step: '',
        options: { daily: 2, minSpacingSeconds: 0 },
      },
      items,
    );
    expect(outputOf(result, 'Rate Gate', 0)!.map((i) => i.json.n)).toEqual([0, 1]);
    expect(outputOf(result, 'Rate Gate', 1)!.map((i) => [i.json.n, i.json.reason])).toEqual([
      [2, 'limit_daily'],
      [3, 'limit_daily'],
    ]);
  });

  it('releases a reservation so its capacity can be used again, and reports usage', async () => {
    const { accountId, payloads } = await dispatched(2, { limits: { invitation: { ...noPacing, daily: 1 } } });
    const first = outputOf(await run({ operation: 'reserve', accountAction: 'invitation', ...anyTime }, [payloads[0]]), 'Rate Gate', 0)!;
    const released = outputOf(await run({ operation: 'release' }, first), 'Rate Gate', 0)!;
    expect(released[0].json.rateGate).toMatchObject({ released: true });
    expect(released[0].pairedItem).toEqual({ item: 0 });
    const second = await run({ operation: 'reserve', accountAction: 'invitation', ...anyTime }, [payloads[1]]);
    expect(outputOf(second, 'Rate Gate', 0)).toHaveLength(1);

    const [report] = outputOf(await run({ operation: 'getUsage', accountId: '={{ $json.account.id }}' }, [payloads[0]]), 'Rate Gate', 0)!;
    const invitation = (report.json.usage as { actions: Array<{ action: string; daily: unknown }> }).actions.find((a) => a.action === 'invitation');
    expect(invitation?.daily).toMatchObject({ used: 1, limit: 1, remaining: 0 });
    expect(report.json.usage).toMatchObject({ accountId });
  });

  it('refuses an item it cannot place with an error naming the field, or routes it to Limited when continuing on fail', async () => {
    const items = [{ json: { note: 'no account, no enrollment' } }];
    const failed = await run({ operation: 'reserve', accountAction: 'invitation' }, items);
    expect(runError(failed)?.message).toMatch(/no account to reserve for: set Account ID/);

    const continued = await run({ operation: 'reserve', accountAction: 'invitation' }, items, { onError: 'continueRegularOutput' });
    expect(runError(continued)).toBeUndefined();
    expect(outputOf(continued, 'Rate Gate', 1)).toEqual([
      { json: { note: 'no account, no enrollment', error: expect.stringMatching(/set Account ID/) }, pairedItem: { item: 0 } },
    ]);
  });

  it('names the account row to fix when its limits are malformed', async () => {
    const { payloads } = await dispatched(1, { limits: { invitation: { daily: 'forty' } } });
    const result = await run({ operation: 'reserve', accountAction: 'invitation' }, payloads);
    expect(runError(result)?.message).toMatch(/accounts\.limits of account acct_gate_\d+ is invalid at "invitation\.daily"/);
  });
});
