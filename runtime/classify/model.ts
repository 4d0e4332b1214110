import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { DateTime } from 'luxon';
import { plausibleReturnDate } from './dates';
import { type Classification, modelAnswerJsonSchema, modelAnswerSchema } from './result';
import type { Taxonomy } from './taxonomy';
import { guessLanguage } from './text';

/**
 * The model path: one chat completion per reply with structured output (a JSON schema generated
 * from the zod answer schema, strict), temperature 0, a timeout and retries on 429/5xx with backoff
 * (the SDK's). Any OpenAI-compatible endpoint works (self-hosted models through `baseUrl`). It never
 * throws: a failed, refused or malformed answer becomes `other` with the error recorded.
 */
export const DEFAULT_MODEL = 'gpt-4o-mini';
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 2;
/** Long threads cost tokens without changing the answer: the start of the reply is what counts. */
const MAX_TEXT_CHARS = 6000;

export interface ModelSettings {
  apiKey: string;
  baseUrl?: string | null;
  organization?: string | null;
  model?: string | null;
  timeoutMs?: number | null;
  maxRetries?: number | null;
}

export interface ModelReply {
  /** What the person wrote (quoted history removed). */
  text: string;
  subject?: string | null;
  sentAt: Date;
  timezone?: string | null;
}

function systemPrompt(taxonomy: Taxonomy): string {
  return [
    'You classify replies to sales outreach messages (email, LinkedIn, WhatsApp). Pick exactly one category:',
    ...taxonomy.categories.map((c) => `- ${c.key}: ${c.description}`),
    '',
    'Answer with the JSON object of the schema:',
    '- confidence: 0 to 1, how sure you are of the category;',
    '- sentiment: the tone towards the sender (negative, neutral or positive);',
    '- language: the ISO 639-1 code of the language the reply is written in;',
    '- reason: one short line in English saying why;',
    '- oooReturnDate: for an out-of-office reply that says when the person is back, that date as YYYY-MM-DD ' +
      '(relative dates such as "Monday" are read from the message date); otherwise null.',
    'Only the reply is classified: signatures and quoted earlier messages are context.',
  ].join('\n');
}

function userPrompt(reply: ModelReply): string {
  const sent = DateTime.fromJSDate(reply.sentAt, { zone: reply.timezone ?? 'UTC' });
  return [
    `Message date: ${sent.toISODate()} (${sent.toFormat('cccc')})`,
    reply.subject ? `Subject: ${reply.subject}` : null,
    'Reply:',
    '"""',
    reply.text.slice(0, MAX_TEXT_CHARS),
    '"""',
  ]
    .filter((line) => line !== null)
    .join('\n');
}

/**
 * Global fetch, with an abort turned into a real `Error` named AbortError: the SDK recognises its own
 * timeout by that name, and a DOMException from another realm (test VMs, some fetch shims) is not an
 * `instanceof Error`, so the SDK would report a plain "Connection error." instead.
 */
const fetchWithRecognisableAborts: typeof fetch = async (input, init) => {
  try {
    return await fetch(input, init);
  } catch (error) {
    if ((error as { name?: unknown })?.name === 'AbortError' && !(error instanceof Error)) {
      throw Object.assign(new Error((error as { message?: string }).message ?? 'The operation was aborted'), { name: 'AbortError' });
    }
    throw error;
  }
};

function describeError(error: unknown, settings: { baseUrl: string; timeoutMs: number }): string {
  if (error instanceof APIConnectionTimeoutError) return `timeout: no answer within ${settings.timeoutMs} ms`;
  if (error instanceof APIConnectionError) return `could not reach ${settings.baseUrl}: ${error.message}`;
  if (error instanceof APIError) return `the API answered ${error.status ?? 'an error'}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export class ModelClassifier {
  readonly model: string;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  private readonly client: OpenAI;
  private readonly system: string;
  private readonly answerSchema: ReturnType<typeof modelAnswerSchema>;
  private readonly jsonSchema: Record<string, unknown>;

  constructor(settings: ModelSettings, taxonomy: Taxonomy) {
    this.model = settings.model || DEFAULT_MODEL;
    this.baseUrl = (settings.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // Everything explicit: the SDK would otherwise read OPENAI_BASE_URL / OPENAI_ORG_ID from the environment.
    this.client = new OpenAI({
      apiKey: settings.apiKey,
      baseURL: this.baseUrl,
      organization: settings.organization || null,
      project: null,
      timeout: this.timeoutMs,
      maxRetries: settings.maxRetries ?? DEFAULT_MAX_RETRIES,
      fetch: fetchWithRecognisableAborts,
    });
    this.system = systemPrompt(taxonomy);
    this.answerSchema = modelAnswerSchema(taxonomy);
    this.jsonSchema = modelAnswerJsonSchema(taxonomy);
  }

  async classify(reply: ModelReply): Promise<Classification> {
    const fallback = (error: string): Classification => ({
      category: 'other',
      confidence: 0,
      sentiment: 'neutral',
      language: guessLanguage(reply.text),
      reason: 'no usable answer from the model',
      oooReturnDate: null,
      source: 'model',
      error,
    });
    let content: string | null | undefined;
    try {
      const completion = await this.client.chat.completions.create({
        model: this.model,
        temperature: 0,
        messages: [
          { role: 'system', content: this.system },
          { role: 'user', content: userPrompt(reply) },
        ],
        response_format: { type: 'json_schema', json_schema: { name: 'reply_classification', strict: true, schema: this.jsonSchema } },
      });
      const choice = completion.choices?.[0];
      if (choice?.message?.refusal) return fallback(`refused: ${choice.message.refusal}`);
      if (choice?.finish_reason === 'length') return fallback('malformed answer: cut off at the token limit');
      content = choice?.message?.content;
    } catch (error) {
      return fallback(describeError(error, this));
    }
    const parsed = this.parse(content, reply);
    return 'error' in parsed ? fallback(`malformed answer: ${parsed.error}`) : parsed.result;
  }

  /** The answer if it is JSON that fits the schema (language lower-cased, reason on one line), else why not. */
  private parse(content: string | null | undefined, reply: ModelReply): { result: Classification } | { error: string } {
    let json: unknown;
    try {
      json = JSON.parse(content ?? '');
    } catch {
      return { error: `not JSON: ${JSON.stringify(String(content ?? '').slice(0, 120))}` };
    }
    if (json && typeof json === 'object') {
      const a = json as Record<string, unknown>;
      if (typeof a.language === 'string') a.language = a.language.trim().toLowerCase();
      if (typeof a.reason === 'string') a.reason = a.reason.replace(/\s+/g, ' ').trim().slice(0, 300);
    }
    const parsed = this.answerSchema.safeParse(json);
    if (!parsed.success) {
      return { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'answer'}: ${i.message}`).join('; ') };
    }
    const answer = parsed.data;
    const oooReturnDate = answer.category === 'out_of_office' ? plausibleReturnDate(answer.oooReturnDate, reply.sentAt, reply.timezone ?? 'UTC') : null;
    return { result: { ...answer, oooReturnDate, source: 'model' } };
  }
}
