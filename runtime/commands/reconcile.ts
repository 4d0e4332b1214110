import { loadConfig } from '../config';
import { pollableAccounts, reconcileAccount, unipileClientFrom, type ReconcileResult } from '../inbox/reconciler';
import { withContext } from './database';
import { parseFlags, parseSince } from './options';
import type { Command } from './types';

export const reconcileCommand: Command = {
  name: 'reconcile',
  summary: 'Poll UniPile for messages, acceptances and account statuses that webhooks missed',
  usage: `sequencer reconcile [--account ID] [--since 2h]

Reads what UniPile has for each connected account — messages (GET /messages), acceptances of pending
LinkedIn invitations (GET /users/relations) and account statuses — and ingests it exactly as webhooks
would: replies stop sequences, acceptances wake them. Safe to repeat; the runtime also does this on a
schedule (SEQUENCER_RECONCILE_MINUTES, default 10).

  --account ID   only this UniPile account (default: every connected account, after refreshing the list)
  --since WHEN   look at messages from then on: 30m, 2h, 3d or an ISO time
                 (default: the account's last sync minus 15 minutes, or the last 24 hours)

Needs UNIPILE_DSN and UNIPILE_API_KEY. Exits 1 if any account failed.`,
  async run(args) {
    const flags = parseFlags(args, ['--account', '--since']);
    const since = flags.has('since') ? parseSince(flags.get('since')!) : undefined;
    const config = loadConfig();
    const client = unipileClientFrom(config);
    return withContext(config, async (ctx) => {
      const accounts = flags.has('account') ? [flags.get('account')!] : await pollableAccounts(ctx, client);
      if (accounts.length === 0) console.log('no connected account to reconcile');
      const results: ReconcileResult[] = [];
      for (const id of accounts) {
        const r = await reconcileAccount(ctx, client, id, { since });
        results.push(r);
        console.log(formatResult(r));
      }
      return results.every((r) => r.status !== 'failed') ? 0 : 1;
    });
  },
};

function formatResult(r: ReconcileResult): string {
  if (r.status === 'locked') return `${r.accountId}  locked: another runtime is reconciling it right now`;
  const counts = `since ${r.since ?? '-'}  messages ${r.messages} (new ${r.newMessages})  stopped ${r.stoppedEnrollments}  acceptances ${r.acceptances}`;
  return `${r.accountId}  ${r.status}  ${counts}${r.error ? `\n  ${r.error}` : ''}`;
}
