import nock from 'nock';
import { classifyReplies } from '../../runtime/classify/classifier';
import { ModelClassifier } from '../../runtime/classify/model';
import { buildTaxonomy, DEFAULT_TAXONOMY } from '../../runtime/classify/taxonomy';

const OPENAI = 'https://api.openai.com';
const sentAt = new Date('2025-03-03T09:00:00Z');

const completion = (content: string | null, message: Record<string, unknown> = {}, finishReason = 'stop') => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_741_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, finish_reason: finishReason, logprobs: null, message: { role: 'assistant', content, refusal: null, ...message } }],
});

const answer = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({ category: 'interested', confidence: 0.92, sentiment: 'positive', language: 'en', reason: 'Asks for pricing.', oooReturnDate: null, ...overrides });

const classifier = (overrides: Partial<ConstructorParameters<typeof ModelClassifier>[0]> = {}, taxonomy = DEFAULT_TAXONOMY) =>
  new ModelClassifier({ apiKey: 'sk-test', maxRetries: 0, ...overrides }, taxonomy);

const reply = { text: 'Sounds interesting, what does it cost for 20 seats?', sentAt };

describe('the model path', () => {
  it('asks for a strict JSON schema built from the result schema, at temperature 0, with the chosen model', async () => {
    let body: any;
    let headers: Record<string, string | string[]> = {};
    nock(OPENAI)
      .post('/v1/chat/completions', (b) => ((body = b), true))
      .reply(function () {
        headers = this.req.headers;
        return [200, completion(answer())];
      });
    const taxonomy = buildTaxonomy([{ key: 'pricing_question', description: 'Asks only about price.' }]);
    const result = await classifier({ model: 'gpt-4.1-mini', organization: 'org-acme' }, taxonomy).classify(reply);

    expect(result).toEqual({ category: 'interested', confidence: 0.92, sentiment: 'positive', language: 'en', reason: 'Asks for pricing.', oooReturnDate: null, source: 'model' });
    expect(headers.authorization).toBe('Bearer sk-test');
    expect(headers['openai-organization']).toBe('org-acme');
    expect(body.model).toBe('gpt-4.1-mini');
    expect(body.temperature).toBe(0);
    expect(body.response_format.type).toBe('json_schema');
    expect(body.response_format.json_schema).toMatchObject({ name: 'reply_classification', strict: true });
    const schema = body.response_format.json_schema.schema;
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
    expect(schema.required.sort()).toEqual(['category', 'confidence', 'language', 'oooReturnDate', 'reason', 'sentiment']);
    expect(schema.properties.category.enum).toEqual([...DEFAULT_TAXONOMY.keys, 'pricing_question']);
    expect(schema.properties.sentiment.enum).toEqual(['negative', 'neutral', 'positive']);
    expect(schema.properties.oooReturnDate.anyOf).toEqual(expect.arrayContaining([{ type: 'null' }]));
    expect(body.messages[0].content).toContain('pricing_question: Asks only about price.');
    expect(body.messages[1].content).toContain('Message date: 2025-03-03 (Monday)');
    expect(body.messages[1].content).toContain(reply.text);
  });

  it('works against any OpenAI-compatible base URL (a self-hosted model)', async () => {
    const scope = nock('http://llm.internal:8000').post('/v1/chat/completions').reply(200, completion(answer({ category: 'question', confidence: 0.8 })));
    const result = await classifier({ baseUrl: 'http://llm.internal:8000/v1/', model: 'llama-3.1-8b-instruct' }).classify(reply);
    expect(result.category).toBe('question');
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    ['not JSON', 'Sure! The category is interested.', /malformed answer: not JSON/],
    ['a category outside the taxonomy', answer({ category: 'excited' }), /malformed answer: category/],
    ['a confidence above 1', answer({ confidence: 7 }), /malformed answer: confidence/],
    ['a missing field', JSON.stringify({ category: 'interested' }), /malformed answer: confidence/],
    ['no content', null, /malformed answer/],
  ])('a malformed answer (%s) falls back to other with the error recorded', async (_label, content, error) => {
    nock(OPENAI).post('/v1/chat/completions').reply(200, completion(content));
    const result = await classifier().classify(reply);
    expect(result).toMatchObject({ category: 'other', confidence: 0, source: 'model', error: expect.stringMatching(error) });
  });

  it('an answer cut off at the token limit is malformed', async () => {
    nock(OPENAI).post('/v1/chat/completions').reply(200, completion('{"category":"inter', {}, 'length'));
    expect((await classifier().classify(reply)).error).toMatch(/cut off/);
  });

  it('a refusal falls back to other with the refusal recorded', async () => {
    nock(OPENAI).post('/v1/chat/completions').reply(200, completion(null, { refusal: "I'm sorry, I can't help with that." }));
    const result = await classifier().classify(reply);
    expect(result).toMatchObject({ category: 'other', source: 'model', error: "refused: I'm sorry, I can't help with that." });
  });

  it('429 and 5xx are retried with backoff, then the answer is used', async () => {
    const scope = nock(OPENAI)
      .post('/v1/chat/completions')
      .reply(429, { error: { message: 'Rate limit reached', type: 'requests' } }, { 'retry-after-ms': '5' })
      .post('/v1/chat/completions')
      .reply(503, { error: { message: 'overloaded' } }, { 'retry-after-ms': '5' })
      .post('/v1/chat/completions')
      .reply(200, completion(answer()));
    const result = await classifier({ maxRetries: 2 }).classify(reply);
    expect(result).toMatchObject({ category: 'interested', source: 'model' });
    expect(result.error).toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });

  it('when retries run out, the reply falls back to other and says what the API answered', async () => {
    const scope = nock(OPENAI)
      .post('/v1/chat/completions')
      .times(3)
      .reply(429, { error: { message: 'Rate limit reached' } }, { 'retry-after-ms': '1' });
    const result = await classifier({ maxRetries: 2 }).classify(reply);
    expect(result).toMatchObject({ category: 'other', error: expect.stringMatching(/^the API answered 429/) });
    expect(scope.isDone()).toBe(true);
  });

  it('a timeout falls back to other', async () => {
    nock(OPENAI).post('/v1/chat/completions').delay(300).reply(200, completion(answer()));
    const result = await classifier({ timeoutMs: 50 }).classify(reply);
    expect(result).toMatchObject({ category: 'other', error: 'timeout: no answer within 50 ms' });
  });

  it('keeps a stated return date only for out-of-office answers and only when it is not in the past', async () => {
    nock(OPENAI)
      .post('/v1/chat/completions')
      .reply(200, completion(answer({ category: 'out_of_office', oooReturnDate: '2025-03-10', confidence: 0.9 })))
      .post('/v1/chat/completions')
      .reply(200, completion(answer({ category: 'out_of_office', oooReturnDate: '2025-02-10', confidence: 0.9 })))
      .post('/v1/chat/completions')
      .reply(200, completion(answer({ oooReturnDate: '2025-03-10' })));
    const model = classifier();
    expect((await model.classify(reply)).oooReturnDate).toBe('2025-03-10');
    expect((await model.classify(reply)).oooReturnDate).toBeNull();
    expect((await model.classify(reply)).oooReturnDate).toBeNull();
  });
});

describe('classifying a batch', () => {
  it('rules answer without a model call; the model answers the rest; low confidence goes to needs_review', async () => {
    const scope = nock(OPENAI)
      .post('/v1/chat/completions')
      .reply(200, completion(answer({ category: 'not_now', confidence: 0.41, reason: 'Maybe later.' })));
    const results = await classifyReplies([{ text: 'Please remove me from your list.', sentAt }, { text: 'Hmm, perhaps after the summer?', sentAt }], {
      model: classifier(),
      threshold: 0.6,
    });
    expect(results[0]).toMatchObject({ category: 'unsubscribe', source: 'rules' });
    expect(results[1]).toMatchObject({ category: 'needs_review', suggestedCategory: 'not_now', confidence: 0.41, source: 'model' });
    expect(scope.isDone()).toBe(true);
  });

  it('sends the model what the person wrote, not the quoted thread', async () => {
    let body: any;
    nock(OPENAI)
      .post('/v1/chat/completions', (b) => ((body = b), true))
      .reply(200, completion(answer()));
    await classifyReplies([{ text: 'Yes please, send it over.\n\nOn Mon, 3 Mar 2025, Anna <anna@seller.io> wrote:\n> Can I send you our deck?', sentAt }], { model: classifier() });
    expect(body.messages[1].content).toContain('Yes please, send it over.');
    expect(body.messages[1].content).not.toContain('Can I send you our deck?');
  });

  it('keeps at most `concurrency` model calls in flight and the results in input order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    nock(OPENAI)
      .post('/v1/chat/completions')
      .times(6)
      .reply((_uri, body, callback) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const text = (body as any).messages[1].content as string;
        const n = /reply number (\d)/.exec(text)![1];
        setTimeout(() => {
          inFlight--;
          callback(null, [200, completion(answer({ reason: `number ${n}` }))]);
        }, 20);
      });
    const replies = Array.from({ length: 6 }, (_, i) => ({ text: `This is reply number ${i}, tell me more.`, sentAt }));
    const results = await classifyReplies(replies, { model: classifier(), concurrency: 2 });
    expect(maxInFlight).toBe(2);
    expect(results.map((r) => r.reason)).toEqual(['number 0', 'number 1', 'number 2', 'number 3', 'number 4', 'number 5']);
  });

  it('without a model, what the rules leave goes to needs_review; an empty reply is other', async () => {
    const results = await classifyReplies([{ text: 'Tell me more', sentAt }, { text: '   ', sentAt }, { text: 'STOP', sentAt }]);
    expect(results.map((r) => r.category)).toEqual(['needs_review', 'other', 'unsubscribe']);
  });
});
