import { z } from 'zod/v4';

/**
 * The categories a reply can be classified into. The defaults are what outreach teams act on; a
 * workspace may reword their descriptions (what the model reads) and add its own categories.
 */
export interface Category {
  key: string;
  description: string;
}

export const DEFAULT_CATEGORIES: readonly Category[] = [
  { key: 'interested', description: 'Positive about the offer and wants to continue: says yes, asks to hear more, asks for pricing or a demo to buy.' },
  { key: 'meeting_request', description: 'Asks for or agrees to a call or meeting, proposes a time, or shares a booking link.' },
  { key: 'question', description: 'Asks a question about the offer, product, price or sender before deciding; neither a yes nor a no.' },
  { key: 'not_interested', description: 'Declines: no need, already has a solution, not a fit. Not a request to stop all contact.' },
  { key: 'not_now', description: 'Maybe later: bad timing, no budget yet, asks to follow up in some weeks or months.' },
  { key: 'out_of_office', description: 'Out-of-office or away notice (vacation, leave, travel), automatic or written by hand, with or without a return date.' },
  { key: 'referral', description: 'Wrong person, or points to someone else: a colleague, the right department, a successor.' },
  { key: 'unsubscribe', description: 'Explicitly asks to stop being contacted, to be removed from the list, or to have their data deleted.' },
  { key: 'auto_reply', description: 'An automatic answer that is not an out-of-office: ticket confirmations, unmonitored mailbox, left-the-company notices.' },
  { key: 'bounce', description: 'A delivery failure or non-delivery report: the message did not reach the recipient.' },
  { key: 'other', description: 'Anything else: unclear, unrelated, a greeting, a reaction or a thank-you only.' },
];

/** Where a model answer below the confidence threshold goes; never chosen by the model itself. */
export const NEEDS_REVIEW = 'needs_review';

/** The categories the rules pre-filter produces and the write-back acts on. */
export const RULE_CATEGORIES = ['unsubscribe', 'out_of_office', 'auto_reply', 'bounce'] as const;
export type RuleCategory = (typeof RULE_CATEGORIES)[number];

export const CATEGORY_KEY = /^[a-z][a-z0-9_]{0,39}$/;

const customCategorySchema = z.object({
  key: z
    .string({ error: 'expected a category name' })
    .trim()
    .regex(CATEGORY_KEY, { error: 'expected a lower-case name of letters, digits and underscores, e.g. "pricing_question"' })
    .refine((k) => k !== NEEDS_REVIEW, { error: `"${NEEDS_REVIEW}" is reserved for answers below the confidence threshold` }),
  description: z
    .string({ error: 'expected a description' })
    .trim()
    .min(3, { error: 'describe the category in a sentence: the model reads it' })
    .max(500, { error: 'keep the description under 500 characters' }),
});

export type CategoryInput = z.input<typeof customCategorySchema>;

export class TaxonomyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaxonomyError';
  }
}

export interface Taxonomy {
  /** Defaults first (with reworded descriptions), then custom categories, in the order given. */
  categories: Category[];
  keys: string[];
}

/**
 * The defaults plus custom categories. A custom category with a default's name rewords that
 * default's description; the defaults are always present (the rules and the write-back rely on them).
 */
export function buildTaxonomy(custom: CategoryInput[] = []): Taxonomy {
  const byKey = new Map(DEFAULT_CATEGORIES.map((c) => [c.key, { ...c }]));
  const seen = new Set<string>();
  custom.forEach((input, index) => {
    const parsed = customCategorySchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TaxonomyError(`categories[${index}].${String(issue.path[0] ?? 'key')}: ${issue.message}`);
    }
    const { key, description } = parsed.data;
    if (seen.has(key)) throw new TaxonomyError(`categories[${index}].key: "${key}" is listed twice; keep one entry per category`);
    seen.add(key);
    byKey.set(key, { key, description });
  });
  const categories = [...byKey.values()];
  return { categories, keys: categories.map((c) => c.key) };
}

export const DEFAULT_TAXONOMY: Taxonomy = buildTaxonomy();
