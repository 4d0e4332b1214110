import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../runtime/cli';
import { commands } from '../../runtime/commands';
import { createSequence } from '../../runtime/sequences/definitions';
import { enroll } from '../../runtime/sequences/enroll';
import { openTestDb, type TestDb } from '../support/db';
import { API_KEY, DSN, fakeUnipile } from '../support/unipile';

let db: TestDb;
beforeAll(async () => (db = await openTestDb()));
afterAll(async () => db.close());

const dir = mkdtempSync(path.join(tmpdir(), 'sequencer-cli-'));
const saved = { ...process.env };
let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  jest.spyOn(console, 'log').mockImplementation((m: string) => void out.push(String(m)));
  jest.spyOn(console, 'error').mockImplementation((m: string) => void err.push(String(m)));
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  Object.assign(process.env, { DATABASE_URL: db.url, SEQUENCER_SCHEMA: db.schema, LOG_LEVEL: 'silent' });
});
afterEach(() => {
  process.env = { ...saved };
  jest.restoreAllMocks();
});

const s = () => `"${db.schema}"`;
function csvFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('sequencer --help', () => {
  it('lists every command, and every command explains itself with --help (exit 0)', async () => {
    expect(await main(['--help'])).toBe(0);
    for (const name of ['start', 'migrate', 'enroll', 'stats', 'simulate', 'retry', 'accounts', 'webhooks', 'reconcile']) expect(out[0]).toMatch(new RegExp(`^  ${name} `, 'm'));
    for (const command of commands) {
      out = [];
      expect(await main([command.name, '--help'])).toBe(0);
      expect(out[0]).toMatch(new RegExp(`^sequencer ${command.name}`));
    }
    out = [];
    expect(await main(['webhooks', 'replay', '--help'])).toBe(0);
    expect(out[0]).toContain('sequencer webhooks replay');
    out = [];
    expect(await main(['accounts', 'sync', '--help'])).toBe(0);
    expect(out[0]).toContain('sequencer accounts sync');
    expect(out[0]).toContain('UNIPILE_API_KEY');
  });

  it('exits 2 on usage errors, with the usage', async () => {
    expect(await main([])).toBe(2);
    expect(await main(['enrol'])).toBe(2);
    expect(err.join('\n')).toContain('Unknown command "enrol"');
    err = [];
    expect(await main(['enroll', '--csv', 'x.csv'])).toBe(2);
    expect(err.join('\n')).toMatch(/--sequence is required[\s\S]*sequencer enroll --sequence KEY --csv FILE/);
    expect(await main(['enroll', '--sequence', 'k', '--csv', path.join(dir, 'missing.csv')])).toBe(2);
    expect(await main(['enroll', '--sequence', 'k', '--csv', 'x.csv', '--batch-size', '20000'])).toBe(2);
    expect(await main(['stats'])).toBe(2);
    expect(await main(['accounts'])).toBe(2);
    expect(await main(['accounts', 'sync', '--all'])).toBe(2);
  });
});

describe('sequencer enroll --csv', () => {
  beforeAll(async () => {
    await createSequence(db, { key: 'csv-q3', name: 'CSV Q3', settings: { steps: [{ name: 'invite' }, { name: 'followup', delay: { unit: 'days', amount: 3 } }] } });
  });

  it('reports the rows it rejects by line number and reason, and enrolls the rest', async () => {
    const file = csvFile(
      'leads.csv',
      [
        'Email,First Name,LinkedIn URL,attributes.plan,vars.icebreaker,Notes',
        'ada@acme.io,Ada,,pro,your talk at PGConf,met at booth',
        'not-an-email,Bob,,,,',
        'cy@acme.io,Cy,,,,x,one too many',
        '"dee@acme.io","Dee ',
        'Multiline",https://www.linkedin.com/in/dee-dee/,,,',
        '',
        ',Nobody,,,,',
        'ADA@ACME.IO,Ada,,,,',
        'eve@acme.io,Eve,,team,,',
      ].join('\n'),
    );
    expect(await main(['enroll', '--sequence', 'csv-q3', '--csv', file, '--batch-size', '2', '--vars', '{"campaign":"spring"}'])).toBe(1);
    const report = out.join('\n');
    expect(report).toContain('sequence csv-q3: 7 rows read: 3 enrolled, 1 already enrolled, 0 skipped (do not contact), 0 skipped (replied recently), 3 rejected');
    expect(report).toContain('line 3: Email: "not-an-email" is not an email address');
    expect(report).toContain('line 4: 7 cells, but the header has 6 columns');
    expect(report).toMatch(/line 8: Email: a contact needs at least one of email, phone/);
    // Progress and the ignored column go to stderr (a line per batch when stderr is not a terminal).
    expect(err.join('')).toContain('ignoring columns: Notes');
    expect(err.join('')).toMatch(/batch 1: lines 2–3, 2 rows/);

    const { rows } = await db.pool.query(
      `SELECT c.first_name, c.attributes, e.vars, e.next_step
         FROM ${s()}.enrollments e JOIN ${s()}.contacts c ON c.id = e.contact_id JOIN ${s()}.sequences q ON q.id = e.sequence_id
        WHERE q.key = 'csv-q3' ORDER BY c.first_name`,
    );
    expect(rows).toEqual([
      { first_name: 'Ada', attributes: { plan: 'pro' }, vars: { campaign: 'spring', icebreaker: 'your talk at PGConf' }, next_step: 'invite' },
      { first_name: 'Dee \nMultiline', attributes: {}, vars: { campaign: 'spring' }, next_step: 'invite' },
      { first_name: 'Eve', attributes: { plan: 'team' }, vars: { campaign: 'spring' }, next_step: 'invite' },
    ]);
  });

  it('exits 0 when every row was accepted (with a progress bar on a terminal), and 1 for a sequence that does not exist', async () => {
    const file = csvFile('clean.csv', 'email,company\nzed@globex.com,Globex\n');
    const wasTty = process.stderr.isTTY;
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    try {
      expect(await main(['enroll', '--sequence', 'csv-q3', '--csv', file])).toBe(0);
    } finally {
      Object.defineProperty(process.stderr, 'isTTY', { value: wasTty, configurable: true });
    }
    expect(out.join('\n')).toContain('1 enrolled');
    expect(err.join('')).toMatch(/\r\[#{30}\] 100%  1 rows, 1 enrolled\n/);
    expect(await main(['enroll', '--sequence', 'nope', '--csv', file])).toBe(1);
    expect(err.join('\n')).toMatch(/sequence "nope" does not exist/);
  });

  it('refuses a file whose header names no contact field', async () => {
    const file = csvFile('wrong.csv', 'name;mail\nAda;ada@acme.io\n');
    expect(await main(['enroll', '--sequence', 'csv-q3', '--csv', file])).toBe(2);
    expect(err.join('\n')).toContain('the header names no contact field');
  });
});

describe('sequencer stats', () => {
  it('prints the funnel per step, or JSON', async () => {
    await createSequence(db, { key: 'stats-q3', name: 'Stats Q3', settings: { steps: [{ name: 'invite' }, { name: 'followup' }] } });
    const results = await enroll(db, { sequenceKey: 'stats-q3', contacts: [{ email: 's1@acme.io' }, { email: 's2@acme.io' }] });
    await db.pool.query(`INSERT INTO ${s()}.enrollment_events (enrollment_id, kind, step) VALUES ($1, 'dispatched', 'invite')`, [results[0].enrollmentId]);

    expect(await main(['stats', '--sequence', 'stats-q3'])).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('sequence stats-q3 "Stats Q3" (active, version 1)');
    expect(text).toContain('enrollments 2: 2 active, 0 paused, 0 completed, 0 stopped, 0 failed');
    expect(text).toMatch(/^step\s+scheduled\s+dispatched\s+sent\s+replied\s+reply rate\s+failed\s+stopped$/m);
    expect(text).toMatch(/^invite\s+2\s+1\s+0\s+0\s+0\.0%\s+0\s+-$/m);
    expect(text).toMatch(/^followup\s+0\s+0\s+0\s+0\s+-\s+0\s+-$/m);

    out = [];
    expect(await main(['stats', '--sequence', 'stats-q3', '--json'])).toBe(0);
    expect(JSON.parse(out[0]).steps[0]).toMatchObject({ step: 'invite', scheduled: 2, dispatched: 1 });
    expect(await main(['stats', '--sequence', 'nope'])).toBe(1);
  });
});

describe('sequencer accounts sync', () => {
  const account = (id: string, type: string, ownId: string | null, status: string) => ({
    object: 'Account',
    id,
    type,
    name: `${type} ${id}`,
    created_at: '2026-01-01T00:00:00.000Z',
    connection_params: ownId ? { im: { id: ownId, username: 'Sales Rep' } } : {},
    sources: [{ id: `${id}_MESSAGING`, status }],
  });

  it('stores every UniPile account with its provider, name and own member id, and applies a missed disconnect', async () => {
    // An account we knew as OK, with a live enrollment, which UniPile now lists as needing credentials.
    await db.pool.query(`INSERT INTO ${s()}.accounts (id, provider, status) VALUES ('acc-mail', 'MAIL', 'OK')`);
    await createSequence(db, { key: 'sync-q3', name: 'Sync' });
    const [enrolled] = await enroll(db, { sequenceKey: 'sync-q3', accountId: 'acc-mail', contacts: [{ email: 'sync@acme.io' }] });
    Object.assign(process.env, { UNIPILE_DSN: DSN, UNIPILE_API_KEY: API_KEY });
    const { requests } = fakeUnipile('GET', '/accounts', {
      status: 200,
      body: { object: 'AccountList', items: [account('acc-li', 'LINKEDIN', 'ACoAAOwnMember01', 'OK'), account('acc-mail', 'MAIL', null, 'CREDENTIALS')], cursor: null },
    });

    expect(await main(['accounts', 'sync'])).toBe(0);
    expect(requests[0].headers['x-api-key']).toBe(API_KEY);
    const { rows } = await db.pool.query(`SELECT id, provider, name, own_provider_id, status FROM ${s()}.accounts ORDER BY id`);
    expect(rows).toEqual([
      { id: 'acc-li', provider: 'LINKEDIN', name: 'LINKEDIN acc-li', own_provider_id: 'ACoAAOwnMember01', status: 'OK' },
      { id: 'acc-mail', provider: 'MAIL', name: 'MAIL acc-mail', own_provider_id: null, status: 'CREDENTIALS' },
    ]);
    const { rows: enrollments } = await db.pool.query(`SELECT status, pause_reason FROM ${s()}.enrollments WHERE id = $1`, [enrolled.enrollmentId]);
    expect(enrollments[0]).toEqual({ status: 'paused', pause_reason: 'account_disconnected' });
    const printed = out.join('\n');
    expect(printed).toMatch(/^acc-li\s+LINKEDIN\s+LINKEDIN acc-li\s+OK\s+ACoAAOwnMember01$/m);
    expect(printed).toContain('synced 2 account(s) from UniPile');

    out = [];
    expect(await main(['accounts', 'list', '--status', 'CREDENTIALS'])).toBe(0);
    expect(out[0]).toMatch(/^acc-mail\s+MAIL/m);
    expect(out[0]).not.toContain('acc-li');
  });

  it('fails with exit 1 naming the variables when UniPile is not configured, and when UniPile refuses the key', async () => {
    expect(await main(['accounts', 'sync'])).toBe(1);
    expect(err.join('\n')).toMatch(/UNIPILE_DSN and UNIPILE_API_KEY/);
    Object.assign(process.env, { UNIPILE_DSN: DSN, UNIPILE_API_KEY: 'revoked' });
    fakeUnipile('GET', '/accounts', { status: 401, body: { status: 401, type: 'errors/invalid_credentials', title: 'Invalid credentials' } });
    err = [];
    expect(await main(['accounts', 'sync'])).toBe(1);
    expect(err.join('\n')).toMatch(/sequencer accounts failed/);
  });
});
