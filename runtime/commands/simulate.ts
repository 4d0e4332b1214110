import { loadConfig } from '../config';
import { SequencerError } from '../sequences/errors';
import { simulate, type SimulateInput, type Simulation } from '../sequences/simulate';
import { withDatabase } from './database';
import { UsageError, type Command } from './types';
import { isUuid } from '../db/uuid';

const USAGE = `sequencer simulate --sequence KEY [--contact CONTACT] [--from ISO] [--steps JSON] [--account ID] [--json]

Prints when each step of sequence KEY would run for a contact, from --from (default: now), with the
sequence's calendar, jitter and the account's known limits. Nothing is sent or scheduled.

  --sequence KEY   the sequence key
  --contact VALUE  an email, a phone (+E.164), a LinkedIn profile URL, a contact id, or a JSON object
                   as the enrolment API takes it, e.g. '{"email":"ada@acme.io","timezone":"Europe/Paris"}'
  --from ISO       the moment the enrollment starts, e.g. 2030-03-15T18:30:00Z
  --steps JSON     the steps, e.g. '[{"name":"invite"},{"name":"followup","delay":{"unit":"business_days","amount":2}}]'
                   (default: the sequence's settings.steps)
  --account ID     the UniPile account whose known limits apply (default: the contact's live enrollment's)
  --json           print the result as JSON`;


function parseArgs(args: string[]): { input: SimulateInput; json: boolean } {
  const flags = new Map<string, string>();
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--json') json = true;
    else if (['--sequence', '--contact', '--from', '--steps', '--account'].includes(arg)) {
      const value = args[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
    } else throw new UsageError(`unknown option ${arg}`);
  }
  const sequenceKey = flags.get('sequence');
  if (!sequenceKey) throw new UsageError('--sequence is required');
  return {
    json,
    input: {
      sequenceKey,
      ...contactOf(flags.get('contact')),
      from: flags.get('from'),
      accountId: flags.get('account'),
      steps: flags.has('steps') ? (parseJson(flags.get('steps')!, '--steps') as SimulateInput['steps']) : undefined,
    },
  };
}

function contactOf(value: string | undefined): Pick<SimulateInput, 'contact' | 'contactId'> {
  if (value === undefined) return {};
  if (value.trim().startsWith('{')) return { contact: parseJson(value, '--contact') as Record<string, unknown> };
  if (isUuid(value)) return { contactId: value };
  if (value.includes('@')) return { contact: { email: value } };
  if (/linkedin\.com\/in\//i.test(value)) return { contact: { linkedinPublicId: value } };
  if (/^\+?[\d\s().-]{8,}$/.test(value)) return { contact: { phone: value } };
  throw new UsageError(`--contact ${JSON.stringify(value)}: give an email, a phone, a LinkedIn profile URL, a contact id or a JSON object`);
}

function parseJson(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag} is not valid JSON: ${(error as Error).message}`);
  }
}

export function formatSimulation(s: Simulation): string {
  const header = [
    `sequence ${s.sequence.key} (version ${s.sequence.version}, ${s.sequence.status}), calendar ${s.timezone}`,
    `contact ${s.contactId ?? '(not in the database yet)'}${s.enrollmentId ? `, enrollment ${s.enrollmentId}` : ''}, from ${s.from.toISOString()}`,
    ...(s.jitterExact ? [] : ['jitter: not enrolled yet, so times may move by up to the sequence\'s jitterMinutes once enrolled']),
  ];
  const rows = s.steps.map((step) => [
    step.name,
    step.at.toISOString(),
    step.local,
    [...(step.wakeOn.length ? [`earlier on ${step.wakeOn.join(' or ')}`] : []), ...step.notes.map((n) => n.message)].join('; '),
  ]);
  const table = [['step', 'due (UTC)', 'local', 'notes'], ...rows];
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  return [...header, '', ...table.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd())].join('\n');
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'Show when each step of a sequence would run for a contact (nothing is sent)',
  usage: USAGE,
  async run(args) {
    const { input, json } = parseArgs(args);
    const config = loadConfig();
    return withDatabase(config, async ({ pool }) => {
      try {
        const result = await simulate({ pool, schema: config.schema }, input);
        console.log(json ? JSON.stringify(result, null, 2) : formatSimulation(result));
        return 0;
      } catch (error) {
        if (!(error instanceof SequencerError)) throw error;
        console.error(error.message);
        return error.code === 'validation_failed' ? 2 : 1;
      }
    });
  },
};
