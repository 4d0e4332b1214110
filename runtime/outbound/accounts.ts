import type { Queryable } from '../db/pool';
import { paginate, type UnipileClient } from '../unipile/client';
import { OutboundInputError } from './errors';
import { outboundSql } from './sql';

/**
 * Which UniPile account type (`LINKEDIN`, `WHATSAPP`, `MAIL`, …) each account id is. Accounts already
 * in our `accounts` table are answered from there, so a repeat makes no HTTP call; others are
 * looked up once per batch in `GET /accounts`. In a dry run nothing is asked and unknown accounts
 * are accepted as `UNKNOWN`.
 */
export interface AccountCheck {
  providers: Map<string, string>;
  /** Why an account id cannot be used, by id. */
  errors: Map<string, OutboundInputError>;
}

export async function checkAccounts(db: Queryable, schema: string, client: UnipileClient, accountIds: string[], dryRun: boolean): Promise<AccountCheck> {
  const ids = [...new Set(accountIds)];
  const providers = new Map<string, string>();
  const errors = new Map<string, OutboundInputError>();
  if (ids.length === 0) return { providers, errors };
  const { rows } = await db.query<{ id: string; provider: string }>(outboundSql.knownAccounts(schema), [ids]);
  for (const r of rows) if (r.provider !== 'UNKNOWN') providers.set(r.id, r.provider);
  const unknown = ids.filter((id) => !providers.has(id));
  if (unknown.length === 0) return { providers, errors };
  if (dryRun) {
    for (const id of unknown) providers.set(id, 'UNKNOWN');
    return { providers, errors };
  }
  const visible = new Map<string, string>();
  for await (const account of paginate((cursor) => client.listAccounts({ limit: 250, cursor }))) visible.set(account.id, account.type);
  for (const id of unknown) {
    const type = visible.get(id);
    if (type) providers.set(id, type);
    else {
      const list = [...visible.keys()];
      errors.set(
        id,
        new OutboundInputError(
          'unknown_account',
          `account ${JSON.stringify(id)} is not an account of this UniPile API key; it sees ${list.length ? list.join(', ') : 'no accounts'}. Pick one of them.`,
        ),
      );
    }
  }
  return { providers, errors };
}
