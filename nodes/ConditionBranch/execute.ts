import { type IDataObject, type IExecuteFunctions, type INodeExecutionData, NodeOperationError } from 'n8n-workflow';
import {
  type ConditionGroup,
  conditionGroupSchema,
  type ConditionInput,
  type ConditionRequest,
  type ConditionResult,
  evaluateConditions,
  type GroupResult,
} from '../../runtime/conditions';
import { contextFor } from '../shared/database';
import { parameterReader } from '../shared/parameters';
import { properties, SUBJECT_FROM_ITEM } from './description';

/**
 * Reads every item's subject and condition groups (one group in Conditions mode, one per rule in
 * Rules mode), evaluates the batch with one `evaluateConditions` call (runtime/conditions), and
 * routes each item: true/false, or the first matching rule's output, else the fallback. Parameters
 * are read per item only where they can differ (nodes/shared/parameters.ts).
 */
interface Route {
  /** Output names in order; the last is where unmatched items go when `fallback` is set. */
  names: string[];
  fallback: boolean;
}

type Outcome = { output: number | null; name: string | null; results: ConditionResult[] } | { error: string };

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
  const items = this.getInputData();
  const mode = this.getNodeParameter('mode', 0) as 'conditions' | 'rules';
  const options = this.getNodeParameter('options', 0, {}) as IDataObject;
  const resultField = ((options.resultField as string) || 'branch').trim();
  const route = routeOf(this, mode, options);

  const subjectOf = subjectReader(this);
  const groupsOf = groupsReader(this, mode);
  const requests = items.map((_, i): ConditionRequest => ({ subject: subjectOf(i), groups: groupsOf(i) }));
  const ctx = await contextFor(await this.getCredentials('sequencerDatabase'));
  const evaluated = await evaluateConditions(ctx, requests);

  const outputs: INodeExecutionData[][] = route.names.map(() => []);
  evaluated.forEach((outcome, itemIndex) => {
    const decided: Outcome = 'error' in outcome ? outcome : decide(mode, route, outcome.groups);
    const json = items[itemIndex].json;
    if ('error' in decided) {
      if (!this.continueOnFail()) {
        throw new NodeOperationError(this.getNode(), decided.error, {
          itemIndex,
          description: 'Map Enrollment ID or Contact ID to a Sequencer id (a dispatched step carries enrollment.id)',
        });
      }
      // Not matched: the false output (or the fallback); never a branch that acts on the contact.
      outputs[route.names.length - 1].push({ json: { ...json, error: decided.error }, pairedItem: { item: itemIndex } });
      return;
    }
    if (decided.output === null) return; // no rule matched and no fallback output: dropped, as Switch does
    const branch = {
      output: decided.name,
      matched: decided.results.filter((r) => r.matched),
      unmatched: decided.results.filter((r) => !r.matched),
    };
    outputs[decided.output].push({ json: { ...json, [resultField]: branch as unknown as IDataObject }, pairedItem: { item: itemIndex } });
  });
  return outputs;
}

function decide(mode: 'conditions' | 'rules', route: Route, groups: GroupResult[]): Outcome {
  if (mode === 'conditions') {
    const [g] = groups;
    return { output: g.matched ? 0 : 1, name: g.matched ? 'true' : 'false', results: g.results };
  }
  const first = groups.findIndex((g) => g.matched);
  if (first >= 0) return { output: first, name: route.names[first], results: groups[first].results };
  const all = groups.flatMap((g) => g.results);
  return route.fallback
    ? { output: route.names.length - 1, name: route.names[route.names.length - 1], results: all }
    : { output: null, name: null, results: all };
}

function routeOf(fn: IExecuteFunctions, mode: 'conditions' | 'rules', options: IDataObject): Route {
  if (mode === 'conditions') return { names: ['true', 'false'], fallback: true };
  const rules = ((fn.getNodeParameter('rules', 0, {}) as IDataObject).rule ?? []) as IDataObject[];
  if (rules.length === 0) {
    throw new NodeOperationError(fn.getNode(), 'Rules mode needs at least one rule', { description: 'Add a rule with an output name and its conditions' });
  }
  const fallback = options.fallbackOutput !== 'none';
  const names = rules.map((r, i) => String(r.outputName || i));
  return { names: fallback ? [...names, String(options.renameFallbackOutput || 'Fallback')] : names, fallback };
}

function subjectReader(fn: IExecuteFunctions) {
  const reader = (name: keyof typeof SUBJECT_FROM_ITEM) => {
    const expression = properties.find((p) => p.name === name)!.default as string;
    const read = parameterReader<unknown>(fn, name, '', { expression, read: SUBJECT_FROM_ITEM[name] });
    return (i: number) => String(read(i) ?? '').trim() || null;
  };
  const [enrollmentId, contactId, conversationId] = [reader('enrollmentId'), reader('contactId'), reader('conversationId')];
  return (i: number) => ({ enrollmentId: enrollmentId(i), contactId: contactId(i), conversationId: conversationId(i) });
}

/** Each item's condition groups; parsed once when no part of them is an expression. */
function groupsReader(fn: IExecuteFunctions, mode: 'conditions' | 'rules'): (itemIndex: number) => ConditionGroup[] {
  let groupsOf: (itemIndex: number) => ConditionGroup[];
  let fixed: boolean;
  if (mode === 'conditions') {
    const conditions = parameterReader<IDataObject>(fn, 'conditions', {});
    const combinator = parameterReader<unknown>(fn, 'combinator', 'all');
    groupsOf = (i) => [groupOf(fn, i, combinator(i), conditions(i), 'Conditions')];
    fixed = conditions.fixed && combinator.fixed;
  } else {
    const rules = parameterReader<IDataObject>(fn, 'rules', {});
    groupsOf = (i) =>
      ((rules(i).rule ?? []) as IDataObject[]).map((rule, r) => groupOf(fn, i, rule.combinator, (rule.conditions ?? {}) as IDataObject, `Rule ${r + 1} (${rule.outputName || r})`));
    fixed = rules.fixed;
  }
  if (!fixed) return groupsOf;
  const groups = groupsOf(0);
  return () => groups;
}

function groupOf(fn: IExecuteFunctions, itemIndex: number, combinator: unknown, conditions: IDataObject, where: string): ConditionGroup {
  const list = ((conditions.condition ?? []) as IDataObject[]).map(conditionOf);
  const parsed = conditionGroupSchema.safeParse({ combinator: combinator || 'all', conditions: list });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = issue.path[0] === 'conditions' && typeof issue.path[1] === 'number' ? ` condition ${issue.path[1] + 1}` : '';
  throw new NodeOperationError(fn.getNode(), `${where}${at}: ${issue.message}`, { itemIndex, description: 'Check the fields of that condition' });
}

const csv = (v: unknown) =>
  String(v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The UI's flat fields → the runtime's condition shape (validated by the caller). */
function conditionOf(ui: IDataObject): ConditionInput {
  const negate = ui.negate === true;
  const since =
    ui.since === 'step'
      ? { from: 'step', step: String(ui.sinceStep ?? '').trim() }
      : ui.since === 'days'
        ? { from: 'days', days: Number(ui.sinceDays) }
        : { from: ui.since ?? 'ever' };
  const type = (ui.type ?? 'replied') as ConditionInput['type'];
  switch (type) {
    case 'replied':
      return { type, scope: (ui.scope ?? 'contact') as 'contact', since, negate } as ConditionInput;
    case 'invitation_accepted':
      return { type, since, negate, ...(Number(ui.acceptedWithinDays) > 0 ? { withinDays: Number(ui.acceptedWithinDays) } : {}) } as ConditionInput;
    case 'link_clicked':
      return { type, since, negate, ...(ui.urlPattern ? { urlPattern: String(ui.urlPattern) } : {}) } as ConditionInput;
    case 'classified_as':
      return { type, categories: csv(ui.categories ?? 'interested'), since, negate } as ConditionInput;
    case 'has_identity':
      return { type, kinds: (ui.identityKinds ?? ['email']) as never, negate };
    case 'field':
      return {
        type,
        source: (ui.fieldSource ?? 'contact') as 'contact',
        field: String(ui.fieldName ?? '').trim(),
        operator: (ui.fieldOperator ?? 'equals') as 'equals',
        value: (ui.fieldValue ?? '') as string,
        negate,
      };
    case 'days_since':
      return { type, from: (ui.daysFrom ?? 'last_touch') as 'last_touch', operator: (ui.daysOperator ?? 'gte') as 'gte', days: Number(ui.days ?? 3), negate };
    default:
      return { type, since, negate } as ConditionInput;
  }
}
