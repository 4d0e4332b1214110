import type { Ctx } from '../context';
import { evaluateGroup } from './evaluate';
import { assertSubject, loadFacts, SubjectError } from './facts';
import type { ConditionGroup, GroupResult, Subject } from './schema';

export * from './schema';
export { labelOf } from './evaluate';

/** One item to decide: whom it is about, and the condition groups to evaluate for it (e.g. one per rule). */
export interface ConditionRequest {
  subject: Subject;
  groups: ConditionGroup[];
}

/** Per request, each group's result in order — or why the request could not be evaluated. */
export type ConditionOutcome = { groups: GroupResult[] } | { error: string };

/**
 * Evaluates a batch with one database round trip: the facts of every valid subject are read in
 * one statement, then every group is evaluated in memory. A bad subject fails alone.
 */
export async function evaluateConditions(ctx: Ctx, requests: ConditionRequest[], options: { now?: Date } = {}): Promise<ConditionOutcome[]> {
  const now = (options.now ?? new Date()).getTime();
  const outcomes: ConditionOutcome[] = new Array(requests.length);
  const valid: number[] = [];
  requests.forEach((r, i) => {
    const problem = subjectProblem(r.subject);
    if (problem) outcomes[i] = { error: problem };
    else valid.push(i);
  });
  const facts = await loadFacts(
    ctx,
    valid.map((i) => requests[i].subject),
    valid.flatMap((i) => requests[i].groups.flatMap((g) => g.conditions)),
  );
  valid.forEach((i, k) => {
    try {
      outcomes[i] = { groups: requests[i].groups.map((g) => evaluateGroup(facts[k], g, now)) };
    } catch (error) {
      if (!(error instanceof SubjectError)) throw error;
      outcomes[i] = { error: error.message };
    }
  });
  return outcomes;
}

function subjectProblem(subject: Subject): string | null {
  try {
    assertSubject(subject);
    return null;
  } catch (error) {
    if (error instanceof SubjectError) return error.message;
    throw error;
  }
}
