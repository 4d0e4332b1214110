import { createServer, type Server } from 'node:http';
import { percentile } from './report';

/** A local n8n stand-in: answers 200 at once and records when each delivery arrived. */
export interface Sink {
  url: string;
  arrivals: { deliveryId: string; dueAt: number; at: number }[];
  close(): Promise<void>;
}

export function startSink(): Promise<Sink> {
  const arrivals: Sink['arrivals'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const at = Date.now();
      try {
        const parsed = JSON.parse(body) as { deliveryId: string; dueAt: string };
        arrivals.push({ deliveryId: parsed.deliveryId, dueAt: Date.parse(parsed.dueAt), at });
      } catch {
        // not a dispatch; ignore
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}/sequencer`, arrivals, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

export function latenessFigures(arrivals: Sink['arrivals'], dueAt: number) {
  const seen = new Map<string, number>();
  for (const a of arrivals) seen.set(a.deliveryId, (seen.get(a.deliveryId) ?? 0) + 1);
  const lateness = arrivals.map((a) => a.at - a.dueAt).sort((x, y) => x - y);
  return {
    delivered: seen.size,
    duplicates: arrivals.length - seen.size,
    drainSeconds: arrivals.length ? (Math.max(...arrivals.map((a) => a.at)) - dueAt) / 1000 : NaN,
    p50: percentile(lateness, 50) / 1000,
    p99: percentile(lateness, 99) / 1000,
  };
}
