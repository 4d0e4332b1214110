import { mapWithConcurrency } from '../concurrency';
import type { ModelClassifier } from './model';
import type { Classification } from './result';
import { applyRules, type ReplyInput } from './rules';
import { NEEDS_REVIEW } from './taxonomy';
import { guessLanguage, ownWords } from './text';

/**
 * Classifies a batch of replies: the rules pre-filter first, then the model for what the rules
 * leave (at most `concurrency` calls at a time). A model answer below `threshold` goes to
 * `needs_review` with the model's pick kept as `suggestedCategory`. Never throws for one reply.
 */
export const DEFAULT_THRESHOLD = 0.6;
export const DEFAULT_CONCURRENCY = 4;

export interface ClassifyOptions {
  /** Without a model (rules only), what the rules do not catch goes to `needs_review`. */
  model?: ModelClassifier | null;
  threshold?: number;
  concurrency?: number;
}


const unclassified = (text: string, reason: string, category: string): Classification => ({
  category,
  confidence: 0,
  sentiment: 'neutral',
  language: guessLanguage(text),
  reason,
  oooReturnDate: null,
  source: 'rules',
});

export async function classifyReplies(replies: ReplyInput[], options: ClassifyOptions = {}): Promise<Classification[]> {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const results: (Classification | undefined)[] = replies.map((reply) => {
    if (!reply.text?.trim() && !reply.subject?.trim()) return { ...unclassified('', 'no text to classify', 'other'), confidence: 1 };
    return applyRules(reply) ?? undefined;
  });

  const forModel = replies.map((reply, index) => ({ reply, index })).filter(({ index }) => !results[index]);
  const model = options.model;
  if (!model) {
    for (const { reply, index } of forModel) results[index] = unclassified(reply.text, 'no rule matched and no model is configured', NEEDS_REVIEW);
    return results as Classification[];
  }
  await mapWithConcurrency(forModel, options.concurrency ?? DEFAULT_CONCURRENCY, async ({ reply, index }) => {
    const answer = await model.classify({
      text: ownWords(reply.text) || reply.text,
      subject: reply.subject,
      sentAt: reply.sentAt ?? new Date(),
      timezone: reply.timezone,
    });
    results[index] = !answer.error && answer.confidence < threshold ? { ...answer, category: NEEDS_REVIEW, suggestedCategory: answer.category } : answer;
  });
  return results as Classification[];
}
