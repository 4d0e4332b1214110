import { loadConfig } from '../config';
import { listAccounts } from '../inbox/queries';
import { refreshAccounts, unipileClientFrom } from '../inbox/reconciler';
import type { UnipileClient } from '../unipile/client';
import type { Account } from '../unipile/schemas';
import { withContext } from './database';
import { parseFlags } from './options';
import { UsageError, type Command } from './types';

/** Pages of 250; a guard against a cursor that never ends. */
const PAGE = 250;
const MAX_PAGES = 100;

async function allAccounts(client: UnipileClient): Promise<Account[]> {
  const accounts: Account[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, cursor: next } = await client.listAccounts({ limit: PAGE, cursor });
    accounts.push(...items);
    if (!next || next === cursor) break;
    cursor = next;
  }
  return accounts;
}

type AccountRow = { id: string; provider: string; name: string | null; own_provider_id: string | null; status: string };

function formatAccounts(rows: AccountRow[]): string {
  if (rows.length === 0) return 'no accounts';
  const table = [['id', 'provider', 'name', 'status', 'own id'], ...rows.map((a) => [a.id, a.provider, a.name ?? '-', a.status, a.own_provider_id ?? '-'])];
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  return table.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

export const accountsCommand: Command = {
  name: 'accounts',
  summary: 'Pull the UniPile accounts (type, name, status, own member id) into the database, or list them',
  usage: `sequencer accounts sync [--json]
sequencer accounts list [--status STATUS] [--json]

sync   reads every account of the UniPile API key (GET /accounts) and stores its provider, name and
       own member id (which tells our messages from replies) in the accounts table. A status that
       changed goes through the ingest as a missed account-status webhook would: a disconnected
       account pauses its enrollments, a reconnected one resumes them. Needs UNIPILE_DSN and
       UNIPILE_API_KEY. The reconciler does the same on its schedule.
list   prints the accounts the runtime knows, optionally of one status (OK, CREDENTIALS, …).`,
  async run(args) {
    const [action, ...rest] = args;
    const config = loadConfig();
    switch (action) {
      case 'sync': {
        const flags = parseFlags(rest, [], ['--json']);
        const client = unipileClientFrom(config);
        return withContext(config, async (ctx) => {
          const accounts = await allAccounts(client);
          await refreshAccounts(ctx, accounts);
          const synced = new Set(accounts.map((a) => a.id));
          const rows = ((await listAccounts(ctx)) as AccountRow[]).filter((r) => synced.has(r.id));
          console.log(flags.has('json') ? JSON.stringify(rows, null, 2) : `${formatAccounts(rows)}\nsynced ${rows.length} account(s) from UniPile`);
          return 0;
        });
      }
      case 'list': {
        const flags = parseFlags(rest, ['--status'], ['--json']);
        return withContext(config, async (ctx) => {
          const rows = (await listAccounts(ctx, flags.get('status'))) as AccountRow[];
          console.log(flags.has('json') ? JSON.stringify(rows, null, 2) : formatAccounts(rows));
          return 0;
        });
      }
      default:
        throw new UsageError(action ? `unknown action ${JSON.stringify(action)}` : 'give an action: sync or list');
    }
  },
};
