import { z } from 'zod/v4';
import { delaySchema, type Delay } from './delay';

/**
 * A sequence's steps live in its n8n flow (one Sequencer Trigger output per step). The optional
 * `settings.steps` list names them with their default delay and wake-on events, so that `simulate`
 * can compute a timeline without running the flow and the Sequence Step node can schedule a step by
 * name alone. A step's `delay` is how long it waits after the step before it — or after enrolment (or
 * `startAt`) for the step an enrollment starts at.
 */

/**
 * Events that make a waiting step due at once (`enrollments.wake_on`). They are the engagement kinds
 * ingest records (`engagement_events.kind`) and passes to `wakeEnrollments`; `reply` is a message
 * received from the contact (a reply normally stops the sequence, unless its stop rules exclude it).
 */
export const WAKE_EVENTS = ['invitation_accepted', 'email_opened', 'link_clicked', 'reply'] as const;
export type WakeEvent = (typeof WAKE_EVENTS)[number];

export const wakeEventSchema = z.enum(WAKE_EVENTS, { error: `expected one of ${WAKE_EVENTS.join(', ')}` });

/** Step names route dispatched steps to the trigger output of the same name. */
export const stepNameSchema = z
  .string({ error: 'a step name is required, e.g. "invite" or "followup_1"' })
  .trim()
  .min(1, { error: 'a step name is required, e.g. "invite" or "followup_1"' })
  .max(100, { error: 'a step name has at most 100 characters' });

export const stepDefinitionSchema = z
  .object({
    name: stepNameSchema,
    delay: delaySchema.optional(),
    wakeOn: z.array(wakeEventSchema).optional(),
    /** The Rate Gate action the step performs (e.g. "invitation"), so `simulate` can apply known limits. */
    action: z.string().min(1).max(50).optional(),
  })
  .strict();

export type StepDefinition = z.infer<typeof stepDefinitionSchema>;

/** Zero working minutes: the next working moment (jitter, when asked, still applies). */
export const NEXT_WORKING_MOMENT: Delay = { unit: 'minutes', amount: 0 };

/** The first step of a sequence when neither the caller nor `settings.steps` names one. */
export const DEFAULT_FIRST_STEP = 'start';

export function stepDefinitionOf(steps: readonly StepDefinition[] | undefined, name: string): StepDefinition | undefined {
  return steps?.find((s) => s.name === name);
}

/** Jitter is a deterministic function of (enrollment, step): the real run and `simulate` agree. */
export const jitterKeyOf = (enrollmentId: string, step: string) => `${enrollmentId}:${step}`;
