import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  NodeHelpers,
  Workflow,
  type INode,
  type INodeParameters,
  type INodeProperties,
  type INodePropertyCollection,
  type INodeType,
  type INodeTypeDescription,
  type NodeParameterValueType,
} from 'n8n-workflow';
import { FLOWS_DIR, flowNodeTypes, loadTemplate, SEQUENCER_TRIGGER, templateNames, triggerStepsOf, type Template } from '../support/flows';
import { PACKAGE_NAME, packageCredentialTypes, TestNodeTypes } from '../support/n8n';

/**
 * The templates users import (flows/*.json) hold only what n8n 2.41 and our package can load: known
 * node types and versions, parameters that exist where they are set, connections to real outputs,
 * our own credentials — and the sequence wiring that keeps contacts moving (every step handled,
 * every branch ending in a schedule, a stop or a completion, nothing deferred and lost).
 */
const STICKY = 'n8n-nodes-base.stickyNote';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const names = templateNames();

const typeOf = (node: INode): INodeType => NodeHelpers.getVersionedNodeType(flowNodeTypes()[node.type], node.typeVersion);
const descriptionOf = (node: INode): INodeTypeDescription => typeOf(node).description;
const isExpression = (v: unknown) => typeof v === 'string' && v.startsWith('=');
const workflowOf = (t: Template) => new Workflow({ id: t.id, nodes: t.nodes, connections: t.connections, active: false, nodeTypes: new TestNodeTypes(flowNodeTypes()) });

/** The node's parameters with every default n8n fills in (display rules are decided on these). */
function resolvedParameters(node: INode): INodeParameters {
  const d = descriptionOf(node);
  return NodeHelpers.getNodeParameters(d.properties, node.parameters, true, false, node, d) ?? {};
}

/**
 * Every parameter a template sets must exist where it is set and be displayed for the values around
 * it (so it is one n8n shows and the node reads); option values must be among the options.
 * Collections and fixed collections are walked level by level.
 */
function parameterProblems(
  properties: INodeProperties[],
  given: INodeParameters,
  context: INodeParameters,
  root: INodeParameters,
  node: INode,
  where: string,
): string[] {
  const d = descriptionOf(node);
  const problems: string[] = [];
  for (const [name, value] of Object.entries(given)) {
    const at = `${where}${name}`;
    const candidates = properties.filter((p) => p.name === name);
    if (candidates.length === 0) {
      problems.push(`${at}: no such parameter`);
      continue;
    }
    const shown = candidates.filter((p) => NodeHelpers.displayParameter(context, p, node, d, root));
    if (shown.length === 0) {
      problems.push(`${at}: not shown for these values (check its displayOptions)`);
      continue;
    }
    problems.push(...valueProblems(shown[0], value, (context[name] ?? value) as NodeParameterValueType, root, node, at));
  }
  return problems;
}

function valueProblems(p: INodeProperties, value: NodeParameterValueType, resolved: NodeParameterValueType, root: INodeParameters, node: INode, at: string): string[] {
  if (isExpression(value)) return p.noDataExpression ? [`${at}: expressions are not allowed here`] : [];
  const allowed = (p.options ?? []).map((o) => (o as { value?: unknown }).value);
  switch (p.type) {
    case 'options':
      return allowed.includes(value) ? [] : [`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(allowed)}`];
    case 'multiOptions':
      return Array.isArray(value) && value.every((v) => allowed.includes(v)) ? [] : [`${at}: ${JSON.stringify(value)} is not a list of ${JSON.stringify(allowed)}`];
    case 'collection':
      return parameterProblems(p.options as INodeProperties[], value as INodeParameters, resolved as INodeParameters, root, node, `${at}.`);
    case 'fixedCollection': {
      const problems: string[] = [];
      for (const [group, entries] of Object.entries(value as INodeParameters)) {
        const spec = (p.options as INodePropertyCollection[]).find((o) => o.name === group);
        if (!spec) {
          problems.push(`${at}.${group}: no such group`);
          continue;
        }
        const list = p.typeOptions?.multipleValues ? (entries as INodeParameters[]) : [entries as INodeParameters];
        const resolvedList = p.typeOptions?.multipleValues
          ? (((resolved as INodeParameters)[group] as INodeParameters[] | undefined) ?? list)
          : [((resolved as INodeParameters)[group] as INodeParameters | undefined) ?? list[0]];
        if (!Array.isArray(list)) {
          problems.push(`${at}.${group}: expected a list of entries`);
          continue;
        }
        list.forEach((entry, i) => problems.push(...parameterProblems(spec.values, entry, resolvedList[i] ?? entry, root, node, `${at}.${group}[${i}].`)));
      }
      return problems;
    }
    case 'number':
      return typeof value === 'number' ? [] : [`${at}: expected a number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at}: expected true or false`];
    case 'string':
    case 'dateTime':
      return typeof value === 'string' ? [] : [`${at}: expected text`];
    default:
      return [];
  }
}

/** Where each node's outputs lead, as [source, output index, target]. */
function edges(t: Template): Array<[string, number, string]> {
  return Object.entries(t.connections).flatMap(([source, byType]) =>
    (byType.main ?? []).flatMap((targets, output) => (targets ?? []).map((c): [string, number, string] => [source, output, c.node])),
  );
}

describe.each(names)('template %s', (name) => {
  const t = loadTemplate(name);
  const nodes = t.nodes.filter((n) => n.type !== STICKY);

  it('is importable n8n workflow JSON with stable ids, unique names and setup notes', () => {
    expect(t).toMatchObject({ name: expect.any(String), id: expect.stringMatching(/^[A-Za-z0-9]{16}$/), pinData: {}, settings: { executionOrder: 'v1' } });
    expect(new Set(t.nodes.map((n) => n.id)).size).toBe(t.nodes.length);
    expect(new Set(t.nodes.map((n) => n.name)).size).toBe(t.nodes.length);
    for (const n of t.nodes) {
      expect(n.id).toMatch(UUID);
      expect(n.position).toEqual([expect.any(Number), expect.any(Number)]);
    }
    expect(t.nodes.some((n) => n.type === STICKY && /credential/i.test(String(n.parameters.content)))).toBe(true);
  });

  it('uses only node types and versions that exist (ours, or the allowed n8n base nodes)', () => {
    for (const n of t.nodes) {
      const known = flowNodeTypes()[n.type];
      if (!known) throw new Error(`${n.name}: unknown node type ${n.type}`);
      const versions = [descriptionOf(n).version].flat();
      expect({ node: n.name, version: versions.includes(n.typeVersion) }).toEqual({ node: n.name, version: true });
      if (n.type.startsWith(`${PACKAGE_NAME}.`)) expect(n.typeVersion).toBe(1);
    }
  });

  it('sets only parameters the nodes have, where they are shown, with valid values, and every required one', () => {
    const problems = t.nodes.flatMap((n) => {
      const d = descriptionOf(n);
      const resolved = resolvedParameters(n);
      const issues = NodeHelpers.getNodeParametersIssues(d.properties, { ...n, parameters: resolved }, d);
      const missing = Object.keys(issues?.parameters ?? {}).map((p) => `${p}: required but empty`);
      return [...parameterProblems(d.properties, n.parameters, resolved, resolved, n, ''), ...missing].map((p) => `${n.name} › ${p}`);
    });
    expect(problems).toEqual([]);
  });

  it('connects only to existing nodes and to outputs the source node has (dynamic outputs evaluated as n8n does)', () => {
    const workflow = workflowOf(t);
    const problems: string[] = [];
    for (const [source, output, target] of edges(t)) {
      const from = t.nodes.find((n) => n.name === source);
      const to = t.nodes.find((n) => n.name === target);
      if (!from || !to) {
        problems.push(`${source} → ${target}: no such node`);
        continue;
      }
      const outputs = NodeHelpers.getNodeOutputs(workflow, from, descriptionOf(from));
      if (output >= outputs.length) problems.push(`${source} output ${output} → ${target}: ${source} has ${outputs.length} outputs`);
      if (NodeHelpers.getNodeInputs(workflow, to, descriptionOf(to)).length === 0) problems.push(`${source} → ${target}: ${target} takes no input`);
    }
    expect(new Set(Object.values(t.connections).flatMap((c) => Object.keys(c)))).toEqual(new Set(['main']));
    expect(problems).toEqual([]);
  });

  it('references only credentials we ship, each one the node declares, and every one it requires', () => {
    const ours = packageCredentialTypes();
    for (const n of nodes) {
      const d = descriptionOf(n);
      const declared = (d.credentials ?? []).filter((c) => NodeHelpers.displayParameter(resolvedParameters(n), c, n, d));
      for (const [type, ref] of Object.entries(n.credentials ?? {})) {
        expect({ node: n.name, type, shipped: type in ours, declared: declared.some((c) => c.name === type) }).toEqual({ node: n.name, type, shipped: true, declared: true });
        expect(ref).toEqual({ id: expect.any(String), name: ours[type].displayName });
      }
      for (const c of declared.filter((c) => c.required)) expect({ node: n.name, credential: c.name, set: !!n.credentials?.[c.name] }).toEqual({ node: n.name, credential: c.name, set: true });
    }
  });

  it('has triggers with a fixed webhook id, and no node that nothing starts', () => {
    const triggers = nodes.filter((n) => descriptionOf(n).inputs.length === 0);
    expect(triggers).toHaveLength(1);
    expect(triggers[0].webhookId).toMatch(UUID);
    const reached = new Set([triggers[0].name]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [source, , target] of edges(t)) if (reached.has(source) && !reached.has(target)) grew = reached.add(target).size > 0;
    }
    expect(nodes.map((n) => n.name).filter((n) => !reached.has(n))).toEqual([]);
  });
});

const sequenceTemplates = names.map(loadTemplate).filter((t) => t.nodes.some((n) => n.type === SEQUENCER_TRIGGER && n.parameters.mode === 'steps'));

describe.each(sequenceTemplates.map((t) => [t.name, t] as const))('sequence template %s', (_name, t) => {
  const trigger = t.nodes.find((n) => n.type === SEQUENCER_TRIGGER)!;
  const steps = triggerStepsOf(trigger);
  const byName = new Map(t.nodes.map((n) => [n.name, n]));
  const outgoing = (name: string, output: number) => edges(t).filter(([s, o]) => s === name && o === output);
  const op = (n: INode) => `${n.type.split('.')[1]}.${String(n.parameters.operation ?? n.parameters.mode ?? '')}`;

  it('handles every step it declares and schedules only steps it declares', () => {
    steps.forEach((_, i) => expect({ step: steps[i], handled: outgoing(trigger.name, i).length > 0 }).toEqual({ step: steps[i], handled: true }));
    const scheduled = t.nodes.filter((n) => op(n) === 'sequenceStep.scheduleNext').map((n) => String(n.parameters.step));
    expect(scheduled.filter((s) => !steps.includes(s))).toEqual([]);
    // every step but the first is scheduled by some branch
    expect(steps.slice(1).filter((s) => !scheduled.includes(s))).toEqual([]);
  });

  it('ends every branch by scheduling, completing or stopping the enrollment', () => {
    const ends = new Set(['sequenceStep.scheduleNext', 'sequenceStep.scheduleAt', 'sequenceStep.complete', 'sequenceStep.stop']);
    const workflow = workflowOf(t);
    const deadEnds: string[] = [];
    for (const n of t.nodes.filter((x) => x.type !== STICKY && !ends.has(op(x)))) {
      const outputs = NodeHelpers.getNodeOutputs(workflow, n, descriptionOf(n));
      outputs.forEach((o, i) => {
        const label = typeof o === 'string' ? String(i) : (o.displayName ?? String(i));
        if (n.type === SEQUENCER_TRIGGER && label === 'Other Steps') return;
        if (outgoing(n.name, i).length === 0) deadEnds.push(`${n.name} › ${label}`);
      });
    }
    expect(deadEnds).toEqual([]);
  });

  it('sends every Rate Gate "Limited" item to Schedule At, so a deferred step is retried at retryAt', () => {
    const gates = t.nodes.filter((n) => op(n) === 'rateGate.reserve');
    expect(gates.length).toBeGreaterThan(0);
    for (const gate of gates) {
      const targets = outgoing(gate.name, 1).map(([, , target]) => byName.get(target)!);
      expect({ gate: gate.name, limitedGoesTo: targets.map(op) }).toEqual({ gate: gate.name, limitedGoesTo: ['sequenceStep.scheduleAt'] });
    }
  });

  it('sends the failures of every UniPile Send through its Error output: a provider limit to Schedule At, any other to a Stop', () => {
    for (const send of t.nodes.filter((n) => n.type === `${PACKAGE_NAME}.unipileSend`)) {
      expect({ send: send.name, onError: send.onError }).toEqual({ send: send.name, onError: 'continueErrorOutput' });
      const onFailure = outgoing(send.name, 1).map(([, , target]) => byName.get(target)!);
      if (send.parameters.resource === 'profile') {
        // a failed profile lookup may go on to the invitation, which resolves the profile itself
        expect({ send: send.name, onFailure: onFailure.map(op) }).toEqual({ send: send.name, onFailure: ['sequenceStep.scheduleNext'] });
        continue;
      }
      // a 429 or quota error is retried when the cooldown ends (the item's details.retryAt), never a reason to stop
      expect({ send: send.name, onFailure: onFailure.map((n) => n.type) }).toEqual({ send: send.name, onFailure: ['n8n-nodes-base.if'] });
      const router = onFailure[0];
      expect((router.parameters.conditions as { conditions: unknown[] }).conditions).toEqual([
        expect.objectContaining({ leftValue: '={{ $json.details.errorClass }}', rightValue: 'quota', operator: expect.objectContaining({ type: 'string', operation: 'equals' }) }),
      ]);
      const [quota, other] = [0, 1].map((output) => outgoing(router.name, output).map(([, , target]) => op(byName.get(target)!)));
      expect({ router: router.name, quota, other }).toEqual({ router: router.name, quota: ['sequenceStep.scheduleAt'], other: ['sequenceStep.stop'] });
    }
  });

  it('puts a Rate Gate in front of every send to UniPile', () => {
    const sends = t.nodes.filter((n) => n.type === `${PACKAGE_NAME}.unipileSend`);
    for (const send of sends) {
      const feeders = edges(t).filter(([, , target]) => target === send.name);
      // directly, or through a Condition Branch placed after the gate
      const gated = feeders.every(([source, output]) => {
        const from = byName.get(source)!;
        if (op(from) === 'rateGate.reserve') return output === 0;
        return edges(t).some(([s, o, target]) => target === source && o === 0 && op(byName.get(s)!) === 'rateGate.reserve');
      });
      expect({ send: send.name, gated }).toEqual({ send: send.name, gated: true });
    }
  });
});

describe('the templates as a set', () => {
  it('includes the five templates, with webhook ids unique across them', () => {
    expect(names).toEqual(expect.arrayContaining(['enroll-contacts', 'linkedin-invite-followup', 'multichannel-email-linkedin', 'reply-triage', 'whatsapp-nurture']));
    const ids = names.flatMap((n) => loadTemplate(n).nodes.map((x) => x.webhookId).filter(Boolean));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(names.map((n) => loadTemplate(n).id)).size).toBe(names.length);
  });

  it('are each described in flows/README.md', () => {
    const readme = readFileSync(path.join(FLOWS_DIR, 'README.md'), 'utf8');
    for (const n of names) expect(readme).toContain(`${n}.json`);
  });
});
