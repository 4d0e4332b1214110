import { DateTime } from 'luxon';
import { type Language, normalize } from './text';

/**
 * The return date an out-of-office notice states ("back on 3 March", "de retour le 12/03",
 * "zurück am 3.3.", "vuelvo el 5 de marzo", "until Monday"), resolved against the date the message
 * was sent: a day without a year that falls before the message date is in the next year, a weekday
 * is the next one after the message date. Only dates after a return or "until" cue count; a
 * sentence with both ("away from 1 until 10 March, back on 11 March") gives the return cue's date.
 */

const MONTHS: Record<string, number> = {};
const monthNames: string[][] = [
  ['january', 'jan', 'januar', 'janner', 'janvier', 'janv', 'enero', 'ene', 'janeiro', 'gennaio', 'genn', 'gen', 'januari'],
  ['february', 'feb', 'februar', 'fevrier', 'fev', 'fevr', 'febrero', 'fevereiro', 'febbraio', 'febb', 'februari'],
  ['march', 'mar', 'marz', 'maerz', 'mars', 'marzo', 'marco', 'maart', 'mrt'],
  ['april', 'apr', 'avril', 'avr', 'abril', 'abr', 'aprile'],
  ['may', 'mai', 'mayo', 'maio', 'maggio', 'mag', 'mei'],
  ['june', 'jun', 'juni', 'juin', 'junio', 'junho', 'giugno', 'giu'],
  ['july', 'jul', 'juli', 'juillet', 'juil', 'julio', 'julho', 'luglio', 'lug'],
  ['august', 'aug', 'aout', 'agosto', 'augustus'],
  ['september', 'sep', 'sept', 'septembre', 'septiembre', 'setiembre', 'setembro', 'settembre'],
  ['october', 'oct', 'oktober', 'okt', 'octobre', 'octubre', 'outubro', 'ottobre', 'ott'],
  ['november', 'nov', 'novembre', 'noviembre', 'novembro'],
  ['december', 'dec', 'dezember', 'dez', 'decembre', 'diciembre', 'dic', 'dezembro', 'dicembre'],
];
monthNames.forEach((names, i) => names.forEach((n) => (MONTHS[n] = i + 1)));

const WEEKDAYS: Record<string, number> = {};
const weekdayNames: string[][] = [
  ['monday', 'mon', 'lundi', 'montag', 'lunes', 'segunda-feira', 'segunda', 'lunedi', 'maandag'],
  ['tuesday', 'tue', 'tues', 'mardi', 'dienstag', 'martes', 'terca-feira', 'terca', 'martedi', 'dinsdag'],
  ['wednesday', 'wed', 'mercredi', 'mittwoch', 'miercoles', 'quarta-feira', 'quarta', 'mercoledi', 'woensdag'],
  ['thursday', 'thu', 'thurs', 'jeudi', 'donnerstag', 'jueves', 'quinta-feira', 'quinta', 'giovedi', 'donderdag'],
  ['friday', 'fri', 'vendredi', 'freitag', 'viernes', 'sexta-feira', 'sexta', 'venerdi', 'vrijdag'],
  ['saturday', 'sat', 'samedi', 'samstag', 'sonnabend', 'sabado', 'sabato', 'zaterdag'],
  ['sunday', 'sun', 'dimanche', 'sonntag', 'domingo', 'domenica', 'zondag'],
];
weekdayNames.forEach((names, i) => names.forEach((n) => (WEEKDAYS[n] = i + 1)));

const TOMORROW = ['tomorrow', 'demain', 'morgen', 'manana', 'amanha', 'domani'];
const NEXT_WEEK = ['next week', 'la semaine prochaine', 'nachste woche', 'naechste woche', 'la proxima semana', 'la semana que viene', 'na proxima semana', 'semana que vem', 'la prossima settimana', 'volgende week'];

const alternation = (words: string[]) =>
  [...words]
    .sort((a, b) => b.length - a.length)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
    .join('|');
const MONTH = alternation(Object.keys(MONTHS));
const WEEKDAY = alternation(Object.keys(WEEKDAYS));

const RETURN_CUES = [
  // en
  'back', 'return', 'returning', 'returns', 'available again', 'reachable again',
  // fr
  'de retour', 'retour', 'je reviendrai', 'reviens', 'joignable a partir', 'disponible a partir',
  // de
  'zuruck', 'wieder', 'ruckkehr', 'ab(?=[^\\n]{0,25}\\bwieder\\b)',
  // es
  'vuelvo', 'volvere', 'regreso', 'regresare', 'de vuelta', 'me reincorporo',
  // pt
  'volto', 'voltarei', 'retorno', 'retornarei', 'de volta', 'regresso',
  // it
  'rientro', 'rientrero', 'di ritorno', 'tornero', 'torno', 'di nuovo in ufficio', 'nuovamente in ufficio',
  // nl
  'terug', 'weer aanwezig', 'weer op kantoor', 'weer bereikbaar', 'weer beschikbaar', 'vanaf(?=[^\\n]{0,25}\\bweer\\b)',
];
const UNTIL_CUES = ['until', 'till', 'til', 'through', 'thru', "jusqu'au", "jusqu'a", 'jusqu au', 'jusqu a', 'bis', 'hasta', 'ate', 'fino al', 'fino a', "fino all'", 'tot en met', 't/m', 'tot'];

const CUE = new RegExp(`(?<![a-z])(?:(${RETURN_CUES.join('|')})|(${UNTIL_CUES.join('|')}))(?![a-z])`, 'g');

/** Words that may sit between a cue and its date: "back in the office on", "de retour au bureau le". */
const FILLER = new RegExp(
  '^(?:[\\s,:]*(?:on|the|in|at|to|my|office|work|desk|from|be|will|le|la|du|au|a|partir|des|prevu|prevue|bureau|am|ab|dem|zum|im|buro|erreichbar|' +
    'einschliesslich|einschl|el|del|dia|oficina|em|no|na|o|ao|escritorio|il|dal|al|data|ufficio|op|vanaf|per|kantoor|joignable|disponible|' +
    'disponivel|bereikbaar|aanwezig|available|reachable|again|de|di|giorno|den)(?![a-z])){0,6}[\\s,:]*',
);

type Found = { date: DateTime; explicitYear: boolean } | null;

interface Context {
  sent: DateTime;
  language: Language;
}

const ORDINAL = '(?:st|nd|rd|th|er|eme|e|o|a)?';

function build(ctx: Context, year: number | undefined, month: number, day: number): Found {
  const y = year === undefined ? ctx.sent.year : year < 100 ? 2000 + year : year;
  const date = DateTime.fromObject({ year: y, month, day }, { zone: ctx.sent.zone });
  return date.isValid ? { date, explicitYear: year !== undefined } : null;
}

/** Day-first everywhere except English, where only an unambiguous numeric date is taken. */
function numeric(ctx: Context, a: number, b: number, separator: string, year?: number): Found {
  if (ctx.language !== 'en') return build(ctx, year, b, a);
  if (separator === '.' || (a <= 12 && b <= 12 && a !== b)) return null;
  return a > 12 ? build(ctx, year, b, a) : build(ctx, year, a, b);
}

const PARSERS: Array<(s: string, ctx: Context) => Found> = [
  (s, ctx) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?!\d)/.exec(s);
    return m ? build(ctx, +m[1], +m[2], +m[3]) : null;
  },
  (s, ctx) => {
    const m = /^(\d{1,2})([./-])(\d{1,2})(?:\2(\d{4}|\d{2})(?!\d))?(?![\d:])\.?(?!\s*(?:uhr|h)(?![a-z]))/.exec(s);
    return m ? numeric(ctx, +m[1], +m[3], m[2], m[4] ? +m[4] : undefined) : null;
  },
  (s, ctx) => {
    const m = new RegExp(`^(\\d{1,2})${ORDINAL}\\.?\\s*(?:of\\s+|de\\s+|di\\s+)?(${MONTH})\\.?(?![a-z])(?:,?\\s*(\\d{4})(?!\\d))?`).exec(s);
    return m ? build(ctx, m[3] ? +m[3] : undefined, MONTHS[m[2]], +m[1]) : null;
  },
  (s, ctx) => {
    const m = new RegExp(`^(${MONTH})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?(?!\\d)(?:,?\\s*(\\d{4})(?!\\d))?`).exec(s);
    return m ? build(ctx, m[3] ? +m[3] : undefined, MONTHS[m[1]], +m[2]) : null;
  },
  (s, ctx) => {
    const m = /^(\d{1,2})(?:st|nd|rd|th)(?![a-z])/.exec(s);
    if (!m) return null;
    const inMonth = build(ctx, undefined, ctx.sent.month, +m[1]);
    if (inMonth && inMonth.date >= ctx.sent.startOf('day')) return inMonth;
    const next = ctx.sent.plus({ months: 1 });
    return build(ctx, next.year, next.month, +m[1]);
  },
  (s, ctx) => {
    const m = new RegExp(`^(${alternation(TOMORROW)})(?![a-z])`).exec(s);
    return m ? { date: ctx.sent.startOf('day').plus({ days: 1 }), explicitYear: true } : null;
  },
  (s, ctx) => {
    const m = new RegExp(`^(${alternation(NEXT_WEEK)})(?![a-z])`).exec(s);
    return m ? { date: ctx.sent.startOf('week').plus({ weeks: 1 }), explicitYear: true } : null;
  },
];

/** A date written right at the start of `s` ("3 March", "lundi 12 mars", "Monday"), if any. */
function dateAt(s: string, ctx: Context): Found {
  for (const parse of PARSERS) {
    const found = parse(s, ctx);
    if (found) return found;
  }
  const weekday = new RegExp(`^(${WEEKDAY})\\.?(?![a-z])[,\\s]*`).exec(s);
  if (!weekday) return null;
  // "Monday 3 March": the explicit date wins over the weekday.
  const explicit = dateAt(skipFillers(s.slice(weekday[0].length)), ctx);
  if (explicit) return explicit;
  const days = ((WEEKDAYS[weekday[1]] - ctx.sent.weekday + 7) % 7) || 7;
  return { date: ctx.sent.startOf('day').plus({ days }), explicitYear: true };
}

function skipFillers(s: string): string {
  return s.slice(FILLER.exec(s)?.[0].length ?? 0);
}

/** How far ahead a return date may be: further is a typo or a sabbatical, not something to wait for. */
const MAX_DAYS_AHEAD = 400;

const withinReach = (date: DateTime, today: DateTime) => date >= today && date.diff(today, 'days').days <= MAX_DAYS_AHEAD;

/** A year-less date before the message date is next year's; stale or far-off dates are not return dates. */
function resolve(found: NonNullable<Found>, sent: DateTime): DateTime | null {
  const today = sent.startOf('day');
  let date = found.date.startOf('day');
  if (date < today && !found.explicitYear) date = date.plus({ years: 1 });
  return withinReach(date, today) ? date : null;
}

/** A return date from elsewhere (the model) checked the same way: YYYY-MM-DD, not before the message day, within reach. */
export function plausibleReturnDate(isoDate: string | null | undefined, sentAt: Date, zone = 'UTC'): string | null {
  if (!isoDate || !/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) return null;
  const date = DateTime.fromISO(isoDate, { zone });
  const today = DateTime.fromJSDate(sentAt, { zone }).startOf('day');
  return date.isValid && today.isValid && withinReach(date, today) ? isoDate : null;
}

/**
 * The stated return date as YYYY-MM-DD, or null. `sentAt` is when the notice was sent; `zone` the
 * IANA zone its dates are read in (the contact's when known).
 */
export function extractReturnDate(text: string, sentAt: Date, options: { language: Language; zone?: string }): string | null {
  const sent = DateTime.fromJSDate(sentAt, { zone: options.zone ?? 'UTC' });
  if (!sent.isValid) return null;
  const ctx: Context = { sent, language: options.language };
  const normalized = normalize(text);
  const returns: DateTime[] = [];
  const untils: DateTime[] = [];
  for (const cue of normalized.matchAll(CUE)) {
    const found = dateAt(skipFillers(normalized.slice(cue.index + cue[0].length, cue.index + cue[0].length + 120)), ctx);
    const date = found && resolve(found, sent);
    if (date) (cue[1] ? returns : untils).push(date);
  }
  const pick = returns.length ? DateTime.min(...returns) : untils.length ? DateTime.max(...untils) : null;
  return pick ? pick.toISODate() : null;
}
