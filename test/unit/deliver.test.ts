import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fanOut, postSigned, type Delivery } from '../../runtime/subscriptions/deliver';
import { verifySignature } from '../../runtime/subscriptions/signature';

/** The signed POST to subscribers (runtime/subscriptions/deliver.ts), against local endpoints. */
interface Endpoint {
  url: string;
  received: { headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

const servers: Server[] = [];

async function endpoint(answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok')): Promise<Endpoint> {
  const received: Endpoint['received'] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      answer(req, res);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

const SECRET = 'a-subscription-secret-of-some-length';
const delivery = (deliveryId: string, extra: Partial<Delivery> = {}): Delivery => ({
  event: 'sequence.step',
  deliveryId,
  body: JSON.stringify({ event: 'sequence.step', deliveryId, step: 'invite' }),
  ...extra,
});

describe('postSigned', () => {
  it('POSTs the exact body, signed with the subscription secret, with the delivery id and event', async () => {
    const n8n = await endpoint();
    const d = delivery('d-1');
    const outcome = await postSigned({ id: 'sub-1', url: n8n.url, secret: SECRET }, d);
    expect(outcome).toEqual({ subscriptionId: 'sub-1', ok: true, status: 200 });
    const [{ headers, body }] = n8n.received;
    expect(body).toBe(d.body);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-sequencer-delivery']).toBe('d-1');
    expect(headers['x-sequencer-event']).toBe('sequence.step');
    expect(verifySignature(SECRET, body, headers['x-sequencer-signature'])).toMatchObject({ ok: true });
  });

  it('reports a non-2xx answer with its status and the start of its body', async () => {
    const n8n = await endpoint((_req, res) => res.writeHead(503).end(`workflow is not active ${'x'.repeat(500)}`));
    const outcome = await postSigned({ id: 'sub-1', url: n8n.url, secret: SECRET }, delivery('d-2'));
    expect(outcome).toMatchObject({ ok: false, status: 503 });
    expect(outcome.error).toMatch(new RegExp(`^HTTP 503 from ${n8n.url}: workflow is not active x+$`));
    expect(outcome.error!.length).toBeLessThan(300);
  });

  it('gives up on an endpoint that does not answer within the timeout', async () => {
    const silent = await endpoint(() => undefined);
    const outcome = await postSigned({ id: 'sub-1', url: silent.url, secret: SECRET }, delivery('d-3', { timeoutMs: 200 }));
    expect(outcome).toEqual({ subscriptionId: 'sub-1', ok: false, error: `no answer from ${silent.url} within 0.2 s` });
    await silent.close();
  });

  it('stops when the job is aborted (worker stopping, job expired)', async () => {
    const silent = await endpoint(() => undefined);
    const job = new AbortController();
    const pending = postSigned({ id: 'sub-1', url: silent.url, secret: SECRET }, delivery('d-4', { signal: job.signal }));
    setTimeout(() => job.abort(), 50);
    expect((await pending).error).toBe(`delivery to ${silent.url} aborted (the worker is stopping or the job expired)`);
    await silent.close();
  });

  it('says which endpoint cannot be reached', async () => {
    const gone = await endpoint();
    await gone.close();
    const outcome = await postSigned({ id: 'sub-1', url: gone.url, secret: SECRET }, delivery('d-5'));
    expect(outcome).toEqual({ subscriptionId: 'sub-1', ok: false, error: `cannot reach ${gone.url}: ECONNREFUSED` });
  });
});

describe('fanOut', () => {
  it('delivers a burst to one endpoint, each delivery once', async () => {
    const n8n = await endpoint();
    const targets = [{ id: 'sub-1', url: n8n.url, secret: SECRET }];
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => fanOut(targets, delivery(`burst-${i}`))));
    expect(results.every((r) => r.delivered.length === 1 && r.failures.length === 0)).toBe(true);
    const ids = n8n.received.map((r) => r.headers['x-sequencer-delivery']);
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
  });

  it('does not post again to a subscription that accepted an earlier attempt', async () => {
    const first = await endpoint();
    const second = await endpoint();
    const targets = [
      { id: 'sub-a', url: first.url, secret: SECRET },
      { id: 'sub-b', url: second.url, secret: SECRET },
    ];
    const result = await fanOut(targets, delivery('retry-1'), ['sub-a']);
    expect(result.delivered.sort()).toEqual(['sub-a', 'sub-b']);
    expect(first.received).toHaveLength(0);
    expect(second.received).toHaveLength(1);
  });
});
