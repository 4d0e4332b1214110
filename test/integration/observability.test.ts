import { randomBytes } from 'node:crypto';
import { QUEUES } from '../../runtime/jobs/boss';
import { createLogger } from '../../runtime/log';
import { registerSubscription } from '../../runtime/subscriptions/registry';
import { eventually, openNowSettings, startSink, type Sink } from '../support/engine';
import { fixture } from '../support/inbox';
import { startTestRuntime, TEST_API_TOKEN, TEST_WEBHOOK_SECRET, type TestRuntime } from '../support/runtime';
import { API_KEY, DSN, fakeUnipile } from '../support/unipile';

/** A pino logger writing JSON lines into memory, as the runtime writes them to stdout. */
function capturedLogger(level = 'debug') {
  const lines: string[] = [];
  const log = createLogger(level, { write: (line: string) => void lines.push(line) });
  return { log, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

describe('log redaction', () => {
  it('never writes the bearer token, the webhook secret or the UniPile key found in logged headers', () => {
    const { log, lines } = capturedLogger('info');
    const headers = { authorization: 'Bearer api-token-123456789', 'x-webhook-secret': 'hook-secret-123456789', 'x-api-key': 'unipile-key-123456789' };
    log.info({ req: { method: 'POST', headers } }, 'with a request');
    log.info({ headers }, 'with headers');
    log.warn({ err: { message: 'UniPile refused', headers: { 'X-API-KEY': 'unipile-key-123456789' } } }, 'with an error');
    const text = lines.join('');
    expect(lines).toHaveLength(3);
    expect(text).not.toMatch(/api-token-123456789|hook-secret-123456789|unipile-key-123456789/);
    expect(JSON.parse(lines[0]).req.headers).toEqual({ authorization: '[redacted]', 'x-webhook-secret': '[redacted]', 'x-api-key': '[redacted]' });
    expect(JSON.parse(lines[2]).err.headers['X-API-KEY']).toBe('[redacted]');
  });
});

describe('the running runtime', () => {
  let rt: TestRuntime;
  let sink: Sink;
  const captured = capturedLogger('debug');
  const scrape = async () => (await fetch(`${rt.url}/metrics`)).text();

  beforeAll(async () => {
    sink = await startSink();
    rt = await startTestRuntime({ UNIPILE_DSN: DSN, UNIPILE_API_KEY: API_KEY, SEQUENCER_RECONCILE_MINUTES: '30' }, captured.log);
  });
  afterAll(async () => {
    await rt.close();
    await sink.close();
  });

  it('logs one line per request with its id, method, path, status and duration, and echoes the id', async () => {
    const res = await fetch(`${rt.url}/api/v1/sequences?status=active`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const probe = await fetch(`${rt.url}/healthz`, { headers: { 'x-request-id': 'probe-42' } });
    expect(probe.headers.get('x-request-id')).toBe('probe-42');

    const requests = captured.entries().filter((e) => e.msg === 'request');
    const api = requests.find((e) => e.reqId === id);
    expect(api).toMatchObject({ level: 30, method: 'GET', path: '/api/v1/sequences', status: 200, service: 'sequencer' });
    expect(typeof api!.durationMs).toBe('number');
    // Probes are logged at debug, so LOG_LEVEL=info keeps them out.
    expect(requests.find((e) => e.reqId === 'probe-42')).toMatchObject({ level: 20, path: '/healthz', status: 200 });
  });

  it('keeps secrets out of the log, whatever the requests carried', async () => {
    await fetch(`${rt.url}/api/v1/sequences`, { headers: { authorization: 'Bearer wrong-token-abcdefgh' } });
    await fetch(`${rt.url}/webhooks/unipile`, { method: 'POST', headers: { 'X-Webhook-Secret': 'wrong-secret-abcdefgh' }, body: '{}' });
    await fetch(`${rt.url}/webhooks/unipile`, { method: 'POST', headers: { 'X-Webhook-Secret': TEST_WEBHOOK_SECRET }, body: JSON.stringify(fixture('message_received')) });
    const text = captured.lines.join('');
    for (const secret of [TEST_API_TOKEN, TEST_WEBHOOK_SECRET, API_KEY, 'wrong-token-abcdefgh', 'wrong-secret-abcdefgh']) expect(text).not.toContain(secret);
    const statuses = captured.entries().filter((e) => e.msg === 'request' && e.path === '/webhooks/unipile').map((e) => e.status);
    expect(statuses).toEqual([401, 200]);
  });

  it('details readiness: checks, version, schema and switched-off features', async () => {
    const res = await fetch(`${rt.url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({ status: 'ready', version: expect.stringMatching(/^\d+\.\d+\.\d+/), schema: rt.ctx.schema, warnings: [] });
    expect(body.checks.database).toMatchObject({ ok: true, detail: expect.stringMatching(/answered in \d+ ms/) });
    expect(body.checks.schema.ok && body.checks.workers.ok).toBe(true);
    expect(body.checks.workers.detail).toContain('dispatcher');
  });

  it('moves the metrics with the traffic: webhooks, API calls, enrollments, dispatches, jobs and UniPile calls', async () => {
    const before = await scrape();
    // A webhook delivery (stored and applied), an API call, an enrollment whose first step is dispatched
    // to a local flow endpoint, and a reconciler round that lists the UniPile accounts.
    const webhook = await fetch(`${rt.url}/webhooks/unipile`, {
      method: 'POST',
      headers: { 'X-Webhook-Secret': TEST_WEBHOOK_SECRET },
      body: JSON.stringify(fixture('message_received', { message_id: 'metrics-msg-1' })),
    });
    expect(await webhook.json()).toMatchObject({ status: 'processed' });
    expect((await rt.api('POST', '/sequences', { key: 'metrics', name: 'Metrics', settings: openNowSettings() })).status).toBe(201);
    await registerSubscription(rt.ctx.pool, rt.ctx.schema, { url: `${sink.url}/hook/metrics`, events: ['sequence.step'], sequenceKey: 'metrics', secret: randomBytes(16).toString('hex') });
    const enrolled = await rt.api('POST', '/sequences/metrics/enrollments', { contacts: [{ email: 'metrics@acme.io' }] });
    expect(enrolled.body.results[0].outcome).toBe('enrolled');
    const accounts = fakeUnipile('GET', '/accounts', { status: 200, body: { object: 'AccountList', items: [], cursor: null } });
    await rt.ctx.boss.send(QUEUES.reconcile, {});
    await eventually(() => sink.requests.some((r) => r.url === '/hook/metrics'), 'the step dispatch');
    await eventually(() => accounts.requests.length === 1, 'the reconciler listing accounts');

    const after = await eventually(async () => {
      const text = await scrape();
      return value(text, 'sequencer_dispatches_total', { event: 'sequence.step', outcome: 'delivered' }) >= 1 && value(text, 'sequencer_unipile_calls_total', { operation: 'accounts.list' }) >= 1 && text;
    }, 'the dispatch and UniPile counters');
    const moved = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    expect(moved('sequencer_webhook_deliveries_total', { status: 'processed' })).toBe(1);
    expect(moved('sequencer_ingest_duration_seconds_count')).toBe(1);
    expect(moved('sequencer_http_requests_total', { method: 'POST', route: '/api/v1/sequences/:key/enrollments', status: '200' })).toBe(1);
    expect(moved('sequencer_http_request_duration_seconds_count', { route: '/webhooks/unipile' })).toBe(1);
    expect(moved('sequencer_dispatch_lateness_seconds_count')).toBe(1);
    expect(moved('sequencer_dispatches_total', { event: 'sequence.step', outcome: 'delivered' })).toBe(1);
    expect(moved('sequencer_unipile_calls_total', { operation: 'accounts.list', status: '200' })).toBe(1);
    expect(value(after, 'sequencer_enrollments', { status: 'active' })).toBe(1);
    expect(value(after, 'sequencer_jobs', { queue: QUEUES.step })).toBeGreaterThanOrEqual(1);
  });
});

/** The sum of a series' samples whose labels include `labels` (Prometheus text format). */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/);
    if (!m || m[1] !== name) continue;
    const has = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => has[k] === v)) sum += Number(m[3]);
  }
  return sum;
}
