import { jobsSchemaOf, q } from '../db/identifier';
import type { RuntimeCtx } from '../context';

/** Gauges read at scrape time: enrollments by status and jobs by queue and state. */
export async function refreshGauges(ctx: RuntimeCtx): Promise<void> {
  const enrollments = await ctx.pool.query<{ status: string; n: string }>(
    `SELECT status, count(*) AS n FROM ${q(ctx.schema)}.enrollments GROUP BY status`,
  );
  ctx.metrics.enrollments.reset();
  for (const r of enrollments.rows) ctx.metrics.enrollments.set({ status: r.status }, Number(r.n));
  const jobs = await ctx.pool.query<{ name: string; state: string; n: string }>(
    `SELECT name, state::text AS state, count(*) AS n FROM ${q(jobsSchemaOf(ctx.schema))}.job GROUP BY name, state`,
  );
  ctx.metrics.jobs.reset();
  for (const r of jobs.rows) ctx.metrics.jobs.set({ queue: r.name, state: r.state }, Number(r.n));
}
