import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every Prometheus series the runtime exposes, in one registry per runtime instance. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sequencer_' });
  return {
    registry,
    webhookDeliveries: new Counter({
      name: 'sequencer_webhook_deliveries_total',
      help: 'Webhook deliveries by outcome (processed, duplicate, ignored, failed, unauthorized, invalid, too_large)',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    ingestSeconds: new Histogram({
      name: 'sequencer_ingest_duration_seconds',
      help: 'Time to store and apply one webhook delivery',
      buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    dispatchLatenessSeconds: new Histogram({
      name: 'sequencer_dispatch_lateness_seconds',
      help: 'Delay between a step being due and its dispatch to n8n',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    dispatches: new Counter({
      name: 'sequencer_dispatches_total',
      help: 'Dispatches to subscribed flows by event and outcome',
      labelNames: ['event', 'outcome'] as const,
      registers: [registry],
    }),
    rateGateDecisions: new Counter({
      name: 'sequencer_rate_gate_decisions_total',
      help: 'Rate Gate decisions by action and outcome (allowed or the refusal reason)',
      labelNames: ['action', 'outcome'] as const,
      registers: [registry],
    }),
    unipileCalls: new Counter({
      name: 'sequencer_unipile_calls_total',
      help: 'UniPile API calls by operation and HTTP status (or error class)',
      labelNames: ['operation', 'status'] as const,
      registers: [registry],
    }),
    jobs: new Gauge({
      name: 'sequencer_jobs',
      help: 'pg-boss jobs by queue and state',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'sequencer_http_requests_total',
      help: 'HTTP requests by method, route (the path template) and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpSeconds: new Histogram({
      name: 'sequencer_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method and route',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    enrollments: new Gauge({
      name: 'sequencer_enrollments',
      help: 'Enrollments by status',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
