import { readFileSync } from 'node:fs';
import path from 'node:path';
import { applyRules } from '../../runtime/classify/rules';
import { RULE_CATEGORIES } from '../../runtime/classify/taxonomy';

/**
 * The rules pre-filter against the labelled fixture set: precision and recall per category it
 * produces, and how often it reads the stated return date right. The printed table is the one in
 * docs/classify.md; rerun this file to refresh it.
 */
interface Fixture {
  id: string;
  /** `holdout`: written after the patterns were tuned and never tuned on — the honest estimate. */
  set?: 'holdout';
  language: string;
  label: string;
  text: string;
  subject?: string;
  from?: string;
  headers?: Record<string, string>;
  sentAt: string;
  oooReturnDate?: string;
}

const { replies } = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/replies.json'), 'utf8')) as { replies: Fixture[] };
const LANGUAGES = ['en', 'fr', 'de', 'es', 'pt', 'it', 'nl'];

const predictions = replies.map((f) => ({
  fixture: f,
  result: applyRules({ text: f.text, subject: f.subject, from: f.from, headers: f.headers, sentAt: new Date(f.sentAt) }),
}));

interface Row {
  category: string;
  labelled: number;
  caught: number;
  correct: number;
  precision: number;
  recall: number;
}

type Prediction = (typeof predictions)[number];

function rowFor(category: string, among: Prediction[] = predictions): Row {
  const labelled = among.filter((p) => p.fixture.label === category).length;
  const caught = among.filter((p) => p.result?.category === category);
  const correct = caught.filter((p) => p.fixture.label === category).length;
  return { category, labelled, caught: caught.length, correct, precision: caught.length ? correct / caught.length : 1, recall: labelled ? correct / labelled : 1 };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

function rowsTable(among: Prediction[]): string[] {
  return [
    '| category | labelled | caught by rules | correct | precision | recall |',
    '|---|---:|---:|---:|---:|---:|',
    ...RULE_CATEGORIES.map((c) => rowFor(c, among)).map(
      (r) => `| \`${r.category}\` | ${r.labelled} | ${r.caught} | ${r.correct} | ${pct(r.precision)} | ${pct(r.recall)} |`,
    ),
  ];
}

function table(): string {
  const holdout = predictions.filter((p) => p.fixture.set === 'holdout');
  const lines = ['All replies:', '', ...rowsTable(predictions), '', `Held-out replies only (${holdout.length}):`, '', ...rowsTable(holdout)];
  const toModel = predictions.filter((p) => !p.result).length;
  const others = predictions.filter((p) => !(RULE_CATEGORIES as readonly string[]).includes(p.fixture.label));
  const wronglyCaught = others.filter((p) => p.result).map((p) => p.fixture.id);
  const dated = predictions.filter((p) => p.fixture.oooReturnDate && p.result?.category === 'out_of_office');
  const datesRight = dated.filter((p) => p.result!.oooReturnDate === p.fixture.oooReturnDate).length;
  const perLanguage = LANGUAGES.map((l) => `${l} ${predictions.filter((p) => p.fixture.language === l).length}`).join(', ');
  lines.push(
    '',
    `${replies.length} replies (${perLanguage}); ${toModel} left to the model; ` +
      `replies of other categories caught by a rule: ${wronglyCaught.length ? wronglyCaught.join(', ') : 'none'}; ` +
      `return date right on ${datesRight} of ${dated.length} caught out-of-office notices that state one.`,
  );
  return lines.join('\n');
}

describe('rules pre-filter on the labelled fixture set', () => {
  afterAll(() => {
    // eslint-disable-next-line no-console
    console.log(`Rules pre-filter quality (test/fixtures/replies.json)\n\n${table()}\n\nMissed or wrong:\n${mistakes().join('\n')}`);
  });

  function mistakes(): string[] {
    return predictions
      .filter((p) => (p.result?.category ?? null) !== ((RULE_CATEGORIES as readonly string[]).includes(p.fixture.label) ? p.fixture.label : null))
      .map((p) => `  ${p.fixture.id} labelled ${p.fixture.label}, rules said ${p.result?.category ?? '(model)'}: ${p.fixture.text.slice(0, 70).replace(/\n/g, ' ')}`);
  }

  it('covers every category and the seven languages with at least 150 replies', () => {
    expect(replies.length).toBeGreaterThanOrEqual(150);
    expect(new Set(replies.map((f) => f.language))).toEqual(new Set(LANGUAGES));
    expect(new Set(replies.map((f) => f.label)).size).toBe(11);
  });

  it.each(['unsubscribe', 'out_of_office', 'auto_reply'])('precision on %s is at least 98 %%', (category) => {
    expect(rowFor(category).precision).toBeGreaterThanOrEqual(0.98);
  });

  it('bounces are never confused either', () => {
    expect(rowFor('bounce').precision).toBeGreaterThanOrEqual(0.98);
  });

  it('reads the stated return date of every out-of-office notice it catches', () => {
    const wrong = predictions
      .filter((p) => p.result?.category === 'out_of_office' && p.fixture.label === 'out_of_office')
      .filter((p) => (p.result!.oooReturnDate ?? undefined) !== p.fixture.oooReturnDate)
      .map((p) => `${p.fixture.id}: ${p.result!.oooReturnDate} ≠ ${p.fixture.oooReturnDate}`);
    expect(wrong).toEqual([]);
  });
});
