import type { Identity, IdentityKind } from '../contacts/identity';
import type { Queryable } from '../db/pool';
import { outboundSql } from './sql';

/** What the database already knows about the recipients of a batch: identities and threads. */

/** The stored identities of each contact, by contact id. */
export async function identitiesOfContacts(db: Queryable, schema: string, contactIds: string[]): Promise<Map<string, Identity[]>> {
  const byContact = new Map<string, Identity[]>();
  const ids = [...new Set(contactIds)];
  if (ids.length === 0) return byContact;
  const { rows } = await db.query<{ contact_id: string; kind: IdentityKind; value: string }>(outboundSql.identitiesOfContacts(schema), [ids]);
  for (const r of rows) byContact.set(r.contact_id, [...(byContact.get(r.contact_id) ?? []), { kind: r.kind, value: r.value }]);
  return byContact;
}

export interface Thread {
  chatId: string | null;
  emailId: string | null;
  emailSubject: string | null;
}

export const threadKey = (accountId: string, contactId: string) => `${accountId}\u0000${contactId}`;

/** The latest chat and email of each (account, contact) pair, keyed by `threadKey`. */
export async function latestThreads(db: Queryable, schema: string, pairs: Array<{ accountId: string; contactId: string }>): Promise<Map<string, Thread>> {
  const threads = new Map<string, Thread>();
  if (pairs.length === 0) return threads;
  const { rows } = await db.query<{ account_id: string; contact_id: string; chat_id: string | null; email_id: string | null; email_subject: string | null }>(
    outboundSql.latestThreads(schema),
    [pairs.map((p) => p.accountId), pairs.map((p) => p.contactId)],
  );
  for (const r of rows) threads.set(threadKey(r.account_id, r.contact_id), { chatId: r.chat_id, emailId: r.email_id, emailSubject: r.email_subject });
  return threads;
}
