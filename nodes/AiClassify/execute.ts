import { type IDataObject, type IExecuteFunctions, type INodeExecutionData, NodeOperationError } from 'n8n-workflow';
import { classifyReplies } from '../../runtime/classify/classifier';
import { ModelClassifier } from '../../runtime/classify/model';
import type { Classification } from '../../runtime/classify/result';
import { buildTaxonomy, NEEDS_REVIEW, type Taxonomy, TaxonomyError } from '../../runtime/classify/taxonomy';
import { writeBack, WriteBackError, type WriteBackOutcome } from '../../runtime/classify/writeback';
import { contextFor } from '../shared/database';
import { fromField, fromInboxEvent, type ItemReply, ItemInputError } from './input';

/**
 * Reads each item's reply, classifies the batch with `classifyReplies` (rules, then the model with a
 * concurrency limit; an inbox message the runtime's rules classified when it was ingested keeps that
 * result), writes the results back with `writeBack` (one transaction for the batch), and routes each
 * item to its category's output — or puts everything on the one output.
 */
interface Settings {
  taxonomy: Taxonomy;
  routeByCategory: boolean;
  useModel: boolean;
  model: string;
  threshold: number;
  concurrency: number;
  timeoutMs: number;
  maxRetries: number;
  resultField: string;
  writeBack: false | { store: boolean; markDoNotContact: boolean; pauseOutOfOffice: boolean };
}

function settingsOf(fn: IExecuteFunctions): Settings {
  const options = fn.getNodeParameter('options', 0, {}) as IDataObject;
  const custom = ((fn.getNodeParameter('categories', 0, {}) as IDataObject).category ?? []) as IDataObject[];
  let taxonomy: Taxonomy;
  try {
    taxonomy = buildTaxonomy(custom.map((c) => ({ key: String(c.name ?? ''), description: String(c.description ?? '') })));
  } catch (error) {
    throw new NodeOperationError(fn.getNode(), error instanceof TaxonomyError ? `Custom Categories: ${error.message}` : (error as Error), {
      description: 'Name each category in lower case with underscores (e.g. pricing_question) and describe it in a sentence',
    });
  }
  const writes = fn.getNodeParameter('writeBack', 0, true) as boolean;
  return {
    taxonomy,
    routeByCategory: fn.getNodeParameter('routeByCategory', 0, false) as boolean,
    useModel: fn.getNodeParameter('mode', 0, 'rulesThenModel') === 'rulesThenModel',
    model: String(fn.getNodeParameter('model', 0, '') ?? '').trim(),
    threshold: (options.threshold as number | undefined) ?? 0.6,
    concurrency: (options.concurrency as number | undefined) ?? 4,
    timeoutMs: ((options.timeoutSeconds as number | undefined) ?? 30) * 1000,
    maxRetries: (options.maxRetries as number | undefined) ?? 2,
    resultField: String(options.resultField || 'classification').trim(),
    writeBack: writes && {
      store: fn.getNodeParameter('storeResult', 0, true) as boolean,
      markDoNotContact: fn.getNodeParameter('markDoNotContact', 0, true) as boolean,
      pauseOutOfOffice: fn.getNodeParameter('pauseOnOutOfOffice', 0, false) as boolean,
    },
  };
}

function replyOf(fn: IExecuteFunctions, itemIndex: number): ItemReply {
  const zone = fn.getTimezone();
  if (fn.getNodeParameter('textSource', itemIndex, 'inboxEvent') === 'inboxEvent') return fromInboxEvent(fn.getInputData()[itemIndex].json, zone);
  return fromField(fn.getNodeParameter('text', itemIndex, ''), fn.getNodeParameter('details', itemIndex, {}) as IDataObject, zone);
}

async function modelOf(fn: IExecuteFunctions, s: Settings): Promise<ModelClassifier | null> {
  if (!s.useModel) return null;
  const credential = await fn.getCredentials('sequencerOpenAi');
  return new ModelClassifier(
    {
      apiKey: String(credential.apiKey ?? ''),
      baseUrl: credential.baseUrl as string | undefined,
      organization: credential.organization as string | undefined,
      model: s.model,
      timeoutMs: s.timeoutMs,
      maxRetries: s.maxRetries,
    },
    s.taxonomy,
  );
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
  const items = this.getInputData();
  const s = settingsOf(this);
  const outputNames: (string | null)[] = s.routeByCategory ? [...s.taxonomy.keys, NEEDS_REVIEW] : [null];
  const outputs: INodeExecutionData[][] = outputNames.map(() => []);
  // Items that fail go where nothing acts on them: Needs Review, or the one output.
  const failed = (itemIndex: number, message: string) =>
    outputs[outputs.length - 1].push({ json: { ...items[itemIndex].json, error: message }, pairedItem: { item: itemIndex } });

  const readable: { itemIndex: number; input: ItemReply }[] = [];
  items.forEach((_, itemIndex) => {
    try {
      readable.push({ itemIndex, input: replyOf(this, itemIndex) });
    } catch (error) {
      if (!(error instanceof ItemInputError) || !this.continueOnFail()) throw new NodeOperationError(this.getNode(), error as Error, { itemIndex });
      failed(itemIndex, error.message);
    }
  });

  // A message the runtime's rules already classified when it was ingested keeps that result (no model call).
  const unknown = readable.filter((r) => !r.input.known);
  const classified = await classifyReplies(
    unknown.map((r) => r.input.reply),
    { model: unknown.length ? await modelOf(this, s) : null, threshold: s.threshold, concurrency: s.concurrency },
  );
  let next = 0;
  const results = readable.map((r) => r.input.known ?? classified[next++]);
  const written = await writeResults(this, s, readable, results);

  readable.forEach(({ itemIndex }, i) => {
    const result = results[i];
    const output = s.routeByCategory ? Math.max(0, outputNames.indexOf(result.category)) : 0;
    const json: IDataObject = { ...items[itemIndex].json, [s.resultField]: result as unknown as IDataObject };
    if (written) json.writeBack = written[i] as unknown as IDataObject;
    outputs[output].push({ json, pairedItem: { item: itemIndex } });
  });
  return outputs;
}

/** One write-back for the batch; a database failure fails the run, or is reported on every item. */
async function writeResults(
  fn: IExecuteFunctions,
  s: Settings,
  readable: { itemIndex: number; input: ItemReply }[],
  results: Classification[],
): Promise<(WriteBackOutcome | { error: string })[] | null> {
  if (!s.writeBack || readable.length === 0) return null;
  const entries = readable.map((r, i) => ({ ...r.input.target, classification: results[i] }));
  try {
    const ctx = await contextFor(await fn.getCredentials('sequencerDatabase'));
    return await writeBack(ctx, entries, s.writeBack);
  } catch (error) {
    const itemIndex = error instanceof WriteBackError ? readable[error.index].itemIndex : undefined;
    const message = error instanceof WriteBackError ? `Write back: ${error.field}: ${error.problem}` : `Write back failed: ${(error as Error).message}`;
    if (fn.continueOnFail()) return readable.map(() => ({ error: message }));
    throw new NodeOperationError(fn.getNode(), message, {
      itemIndex,
      description:
        error instanceof WriteBackError
          ? 'Map Contact ID / Message ID to Sequencer ids (an inbox event carries contact.id and message.id), or turn Write Back off'
          : 'Check the Sequencer Database credential, or turn Write Back off to only classify',
    });
  }
}
