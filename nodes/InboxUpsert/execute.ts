import { type IDataObject, type IExecuteFunctions, type INodeExecutionData, NodeOperationError } from 'n8n-workflow';
import type { InboxEvent, IngestOutcome } from '../../runtime/inbox/events';
import { ingestEvents } from '../../runtime/inbox/ingest';
import { describeIssues } from '../../runtime/inbox/payloads';
import { eventFromFields, mappedMessageSchema, readWebhook } from '../../runtime/inbox/normalize';
import { contextFor } from '../shared/database';
import { parameterReader } from '../shared/parameters';

/**
 * Turns every item into an inbox event (a UniPile body read by the runtime's normalizer, or mapped
 * fields), then hands the batch to the runtime's one ingest (`runtime/inbox/ingest.ts`) in one
 * transaction. If the batch fails as a whole, each item is retried alone so the error lands on the
 * item that caused it.
 */
type Read = { event: InboxEvent } | { error: string; description: string };

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
  const items = this.getInputData();
  const input = this.getNodeParameter('input', 0) as 'webhookBody' | 'fields';
  const read = input === 'fields' ? fieldsReader(this) : bodyReader(this);
  const reads = items.map((item, i) => read(item, i));

  const fail = (itemIndex: number, error: string, description: string): INodeExecutionData => {
    if (!this.continueOnFail()) throw new NodeOperationError(this.getNode(), error, { itemIndex, description });
    return { json: { ...items[itemIndex].json, error }, pairedItem: { item: itemIndex } };
  };
  const results = new Map<number, INodeExecutionData>();
  reads.forEach((r, i) => {
    if ('error' in r) results.set(i, fail(i, r.error, r.description));
  });

  const ready = reads.flatMap((r, i) => ('event' in r ? [{ i, event: r.event }] : []));
  const ctx = await contextFor(await this.getCredentials('sequencerDatabase'));
  const outcomes = await ingestEvents(ctx, ready.map((r) => r.event)).catch(() => null);
  for (const [k, { i, event }] of ready.entries()) {
    let outcome = outcomes?.[k];
    if (!outcome) {
      try {
        [outcome] = await ingestEvents(ctx, [event]);
      } catch (error) {
        results.set(i, fail(i, (error as Error).message, 'The shared schema refused this item; the message says why. Check the Sequencer Database credential and the item\'s ids.'));
        continue;
      }
    }
    results.set(i, { json: outputOf(outcome), pairedItem: { item: i } });
  }
  return [items.map((_, i) => results.get(i)!)];
}

function bodyReader(ctx: IExecuteFunctions): (item: INodeExecutionData, i: number) => Read {
  const bodyField = parameterReader<unknown>(ctx, 'bodyField', '');
  return (item, i) => fromBody(item, String(bodyField(i) ?? '').trim());
}

function fromBody(item: INodeExecutionData, field: string): Read {
  const body = field ? valueAt(item.json, field) : webhookBodyOf(item.json);
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return {
      error: field ? `Body Field "${field}" is not an object in this item` : 'The item is not a UniPile webhook body',
      description: 'Set Body Field to where the UniPile payload is (e.g. body), or use Mapped Fields',
    };
  }
  const delivery = readWebhook(body as Record<string, unknown>);
  if (delivery.problem) return { error: delivery.problem, description: 'The UniPile payload is missing a field the ingest needs (named in the message); check Body Field points at the raw UniPile body' };
  return { event: delivery.inbox! };
}

/** An n8n Webhook node item is `{ headers, params, query, body }`: the UniPile payload is its body. */
function webhookBodyOf(json: IDataObject): unknown {
  const body = json.body;
  return 'headers' in json && body && typeof body === 'object' ? body : json;
}

function valueAt(json: IDataObject, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), json);
}

const MAPPED_FIELDS = ['accountId', 'channel', 'chatId', 'messageId', 'text', 'subject', 'sentAt', 'direction', 'senderId', 'contactIdentifier', 'contactName'] as const;

function fieldsReader(ctx: IExecuteFunctions): (item: INodeExecutionData, i: number) => Read {
  const readers = MAPPED_FIELDS.map((name) => [name, parameterReader<unknown>(ctx, name, '')] as const);
  return (_item, i) => fromFields(Object.fromEntries(readers.map(([name, read]) => [name, read(i)]).filter(([, v]) => v !== '')));
}

function fromFields(fields: Record<string, unknown>): Read {
  const parsed = mappedMessageSchema.safeParse(fields);
  if (!parsed.success) return { error: `Invalid mapped fields: ${describeIssues(parsed.error)}`, description: 'Map the named field (an expression such as {{ $json.chat_id }} works)' };
  try {
    return { event: eventFromFields(parsed.data) };
  } catch (error) {
    return { error: (error as Error).message, description: 'Map a valid identifier for the channel: a LinkedIn provider ID, an email address or a phone number' };
  }
}

function outputOf(o: IngestOutcome): IDataObject {
  return {
    status: o.status,
    event: o.event,
    dedupeKey: o.key,
    isNew: o.isNew,
    direction: o.direction ?? null,
    isReply: o.isReply ?? false,
    account: o.account ?? null,
    contact: o.contact ?? null,
    conversation: o.conversation ?? null,
    message: o.message ?? null,
    engagement: o.engagement ?? null,
    stoppedEnrollments: o.stopped,
    wokenEnrollments: o.woken,
    pausedEnrollments: o.paused,
    resumedEnrollments: o.resumed,
  } as unknown as IDataObject;
}
