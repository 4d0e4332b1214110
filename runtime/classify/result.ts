import { z } from 'zod/v4';
import { CATEGORY_KEY, type Taxonomy } from './taxonomy';

/**
 * What a classification says about one reply. Stored as `messages.classification` and
 * `conversations.classification`, returned by the AI Classify node, read by Condition Branch.
 */
export const SENTIMENTS = ['negative', 'neutral', 'positive'] as const;
export const SOURCES = ['rules', 'model'] as const;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** The fields the model answers; the same zod shapes generate the JSON schema it must follow. */
const answerFields = {
  confidence: z.number().min(0).max(1).describe('How sure you are of the category, from 0 to 1.'),
  sentiment: z.enum(SENTIMENTS).describe('The tone of the reply towards the sender.'),
  language: z
    .string()
    .regex(/^[a-z]{2}$/)
    .describe('ISO 639-1 code of the language the reply is written in, e.g. "en", "fr", "de".'),
  reason: z.string().max(300).describe('One short line: why this category.'),
  oooReturnDate: isoDate
    .nullable()
    .describe('For out-of-office replies that state when the person is back: that date as YYYY-MM-DD, else null.'),
};

export const classificationSchema = z.object({
  category: z.string().regex(CATEGORY_KEY),
  ...answerFields,
  source: z.enum(SOURCES),
  /** The model's own pick when its confidence sent the reply to `needs_review`. */
  suggestedCategory: z.string().regex(CATEGORY_KEY).optional(),
  /** Why the model path gave no usable answer (the category is then `other`). */
  error: z.string().optional(),
});

export type Classification = z.infer<typeof classificationSchema>;
export type Sentiment = (typeof SENTIMENTS)[number];

/** The model's answer for a taxonomy: the category must be one of its keys. */
export function modelAnswerSchema(taxonomy: Taxonomy) {
  const [first, ...rest] = taxonomy.keys;
  return z.object({
    category: z.enum([first, ...rest]).describe('The one category that fits the reply best.'),
    ...answerFields,
  });
}

export type ModelAnswer = z.infer<ReturnType<typeof modelAnswerSchema>>;

/**
 * The JSON schema sent as `response_format.json_schema.schema` (strict structured outputs): every
 * field required, no extra properties, nullable fields as `anyOf [.., null]`.
 */
export function modelAnswerJsonSchema(taxonomy: Taxonomy): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(modelAnswerSchema(taxonomy), { target: 'draft-7' }) as Record<string, unknown>;
  return schema;
}
