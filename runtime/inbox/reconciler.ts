import type { Job } from 'pg-boss';
import { ConfigError, type Config } from '../config';
import type { Ctx, RuntimeCtx } from '../context';
import { checkout } from '../db/pool';
import { QUEUES } from '../jobs/boss';
import type { Metrics } from '../metrics';
import { UnipileClient } from '../unipile/client';
import type { Account, Page } from '../unipile/schemas';
import type { WorkerStarter } from '../worker';
import { CONNECTED_STATUSES, DISCONNECTED_STATUSES } from './effects';
import type { InboxEvent, IngestOutcome } from './events';
import { ingestEvents } from './ingest';
import { channelOf, eventFromRelation, eventFromRestMessage, readWebhook } from './normalize';
import { reconcileSql } from './sql';

/**
 * The reconciler (DESIGN §6.4): webhooks get lost, so every connected account is polled on a
 * schedule for what they would have said — messages after the last sync minus a margin
 * (`GET /messages`), acceptances of pending invitations (`GET /users/relations`) and the account's
 * status (`GET /accounts`) — and everything goes through the same ingest, whose keys make a second
 * pass change nothing. One advisory lock per account keeps two runtimes off the same account.
 * UniPile errors are logged; the next round simply tries again from the same last sync.
 */
export const RECONCILE_MARGIN_MINUTES = 15;
/** How far back the first round of a never-synced account looks. */
export const FIRST_SYNC_HOURS = 24;
const MESSAGE_PAGE = 250;
const RELATION_PAGE = 1000;
const MAX_PAGES = 200;
const FAN_OUT_KEY = 'fan-out';

export interface ReconcileResult {
  accountId: string;
  status: 'done' | 'locked' | 'failed';
  /** Messages looked at from this time on. */
  since?: string;
  messages: number;
  newMessages: number;
  stoppedEnrollments: number;
  acceptances: number;
  error?: string;
}

export function unipileClientFrom(config: Config, metrics?: Metrics): UnipileClient {
  if (!config.unipile) throw new ConfigError(['UNIPILE_DSN and UNIPILE_API_KEY: both are needed to talk to UniPile (copy them from the UniPile dashboard)']);
  return new UnipileClient({ dsn: config.unipile.dsn, apiKey: config.unipile.apiKey, metrics });
}

interface AccountRow {
  id: string;
  provider: string;
  own_provider_id: string | null;
  status: string;
  last_synced_at: Date | null;
}

export async function reconcileAccount(ctx: Ctx, client: UnipileClient, accountId: string, options: { since?: Date; now?: Date } = {}): Promise<ReconcileResult> {
  const result: ReconcileResult = { accountId, status: 'done', messages: 0, newMessages: 0, stoppedEnrollments: 0, acceptances: 0 };
  const lock = await checkout(ctx.pool);
  const lockKey = `sequencer-reconcile:${ctx.schema}:${accountId}`;
  try {
    const { rows } = await lock.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [lockKey]);
    if (!rows[0].locked) return { ...result, status: 'locked' };
    try {
      const startedAt = options.now ?? new Date();
      const account = await accountFor(ctx, client, accountId);
      const since = options.since ?? sinceFor(account, startedAt);
      result.since = since.toISOString();
      if (channelOf(account.provider) !== 'email') await reconcileMessages(ctx, client, account, since, result);
      if (channelOf(account.provider) === 'linkedin') await reconcileAcceptances(ctx, client, account, result);
      await ctx.pool.query(reconcileSql.markSynced(ctx.schema), [accountId, startedAt]);
      return result;
    } finally {
      await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.log.warn({ err: error, accountId }, `reconciling account ${accountId} failed; the next round retries from the same last sync`);
    return { ...result, status: 'failed', error: message };
  } finally {
    lock.release();
  }
}

function sinceFor(account: AccountRow, now: Date): Date {
  if (account.last_synced_at) return new Date(account.last_synced_at.getTime() - RECONCILE_MARGIN_MINUTES * 60_000);
  return new Date(now.getTime() - FIRST_SYNC_HOURS * 3_600_000);
}

/** The account row, learning it (and its own member id, needed for direction) from UniPile if missing. */
async function accountFor(ctx: Ctx, client: UnipileClient, accountId: string): Promise<AccountRow> {
  const { rows } = await ctx.pool.query<AccountRow>(reconcileSql.account(ctx.schema), [accountId]);
  const row = rows[0];
  if (row && row.provider !== 'UNKNOWN' && (row.own_provider_id || channelOf(row.provider) === 'email')) return row;
  await refreshAccounts(ctx, [await client.getAccount(accountId)]);
  return (await ctx.pool.query<AccountRow>(reconcileSql.account(ctx.schema), [accountId])).rows[0];
}

async function reconcileMessages(ctx: Ctx, client: UnipileClient, account: AccountRow, since: Date, result: ReconcileResult): Promise<void> {
  const known = { id: account.id, provider: account.provider, ownProviderId: account.own_provider_id };
  await eachPage(
    (cursor) => client.listMessages({ accountId: account.id, after: since, limit: MESSAGE_PAGE, cursor }),
    async (items) => {
      const outcomes = await ingestEvents(ctx, items.map((m) => eventFromRestMessage(m, known)));
      result.messages += items.length;
      result.newMessages += outcomes.filter((o) => o.isNew).length;
      result.stoppedEnrollments += countStopped(outcomes);
      return true;
    },
  );
}

/**
 * `new_relation` can come hours late or not at all: the relations list, newest first, is read
 * until every pending invitee is found or the relations are older than the oldest invitation.
 */
async function reconcileAcceptances(ctx: Ctx, client: UnipileClient, account: AccountRow, result: ReconcileResult): Promise<void> {
  const { rows } = await ctx.pool.query<{ provider_id: string; sent_at: Date }>(reconcileSql.pendingInvitations(ctx.schema), [account.id]);
  if (rows.length === 0) return;
  const pending = new Set(rows.map((r) => r.provider_id));
  const oldest = Math.min(...rows.map((r) => r.sent_at.getTime()));
  await eachPage(
    (cursor) => client.listRelations({ accountId: account.id, limit: RELATION_PAGE, cursor }),
    async (items) => {
      const accepted = items.filter((r) => pending.has(r.member_id));
      if (accepted.length) {
        const outcomes = await ingestEvents(ctx, accepted.map((r) => eventFromRelation(r, account.id)));
        result.acceptances += outcomes.filter((o) => o.isNew).length;
        for (const r of accepted) pending.delete(r.member_id);
      }
      const last = items[items.length - 1]?.created_at;
      return pending.size > 0 && !(typeof last === 'number' && last < oldest);
    },
  );
}

/** Pages a cursor list; `onPage` returns false to stop early. */
async function eachPage<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>, onPage: (items: T[]) => Promise<boolean>): Promise<void> {
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, cursor: next } = await fetchPage(cursor);
    if (items.length && !(await onPage(items))) return;
    if (!next || next === cursor) return;
    cursor = next;
  }
}

function countStopped(outcomes: IngestOutcome[]): number {
  return outcomes.reduce((n, o) => n + o.stopped.length, 0);
}

/**
 * Accounts as `GET /accounts` describes them: type, name and own member id are stored; a status that
 * differs from ours goes through the ingest as an account status event, so a missed
 * `CREDENTIALS` webhook still pauses the account's enrollments (and a missed `OK` resumes them).
 */
export async function refreshAccounts(ctx: Ctx, accounts: Account[]): Promise<void> {
  if (accounts.length === 0) return;
  const { rows } = await ctx.pool.query<{ id: string; status: string }>(reconcileSql.upsertFromApi(ctx.schema), [
    JSON.stringify(accounts.map((a) => ({ id: a.id, provider: a.type, name: a.name ?? null, own_provider_id: a.connection_params?.im?.id ?? null, raw: a }))),
  ]);
  const stored = new Map(rows.map((r) => [r.id, r.status]));
  const changes: InboxEvent[] = accounts.flatMap((a) => {
    const status = statusOfSources(a);
    const current = stored.get(a.id);
    if (!status || status === current || (CONNECTED_STATUSES.has(status) && current === 'OK')) return [];
    return [readWebhook({ AccountStatus: { account_id: a.id, account_type: a.type, message: status } }).inbox!];
  });
  if (changes.length) await ingestEvents(ctx, changes);
}

const SOURCE_PRIORITY = ['CREDENTIALS', 'ERROR', 'STOPPED', 'PERMISSIONS', 'CONNECTING'];

/** One status for the account: its worst source, else OK; none when UniPile lists no sources. */
function statusOfSources(a: Account): string | null {
  const statuses = (a.sources ?? []).map((s) => s.status?.toUpperCase()).filter((s): s is string => !!s);
  if (statuses.length === 0) return null;
  return SOURCE_PRIORITY.find((p) => statuses.includes(p)) ?? 'OK';
}

/** Refreshes the accounts from UniPile, then returns those worth polling (known, not disconnected). */
export async function pollableAccounts(ctx: Ctx, client: UnipileClient): Promise<string[]> {
  const accounts: Account[] = [];
  await eachPage(
    (cursor) => client.listAccounts({ limit: 250, cursor }),
    async (items) => {
      accounts.push(...items);
      return true;
    },
  );
  await refreshAccounts(ctx, accounts);
  const { rows } = await ctx.pool.query<{ id: string }>(reconcileSql.pollable(ctx.schema), [[...DISCONNECTED_STATUSES]]);
  return rows.map((r) => r.id);
}

/** One scheduled round: one reconcile job per pollable account (at most one running per account). */
export async function fanOut(ctx: Ctx, client: UnipileClient): Promise<string[]> {
  const ids = await pollableAccounts(ctx, client);
  for (const id of ids) await ctx.boss.send(QUEUES.reconcile, { accountId: id }, { singletonKey: id });
  return ids;
}

interface ReconcileJobData {
  accountId?: string;
}

export function cronEvery(minutes: number): string {
  return minutes >= 60 ? '0 * * * *' : `*/${minutes} * * * *`;
}

export const reconcilerWorker: WorkerStarter = {
  name: 'reconciler',
  async start(ctx: RuntimeCtx) {
    const { config, log, boss } = ctx;
    if (!config.unipile || config.reconcileMinutes === 0) {
      await boss.unschedule(QUEUES.reconcile, FAN_OUT_KEY).catch(() => undefined);
      log.info(config.unipile ? 'reconciler off (SEQUENCER_RECONCILE_MINUTES=0)' : 'reconciler off: set UNIPILE_DSN and UNIPILE_API_KEY to poll UniPile for missed webhooks');
      return;
    }
    const client = unipileClientFrom(config, ctx.metrics);
    await boss.schedule(QUEUES.reconcile, cronEvery(config.reconcileMinutes), {}, { key: FAN_OUT_KEY });
    await boss.work<ReconcileJobData>(QUEUES.reconcile, { batchSize: 1, localConcurrency: 2, pollingIntervalSeconds: 2 }, async ([job]: Job<ReconcileJobData>[]) => {
      if (!job.data?.accountId) {
        await fanOut(ctx, client).catch((error: unknown) => log.warn({ err: error }, 'reconciler could not list UniPile accounts; retrying next round'));
        return;
      }
      const result = await reconcileAccount(ctx, client, job.data.accountId);
      log.info({ ...result }, `reconciled account ${result.accountId}: ${result.status}`);
    });
  },
};
