/**
 * Text helpers of the classifier: what part of a reply its author wrote, a matching-friendly form of
 * it, a guess of its language and email headers in one shape.
 */

export const LANGUAGES = ['en', 'fr', 'de', 'es', 'pt', 'it', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * Lower case, accents removed (é → e, ü → u, ß → ss), typographic quotes made plain, runs of spaces
 * made one: patterns are then written once in ASCII and `\b` works. Line breaks are kept.
 */
export function normalize(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/[\u2018\u2019\u02bc\u00b4`]/g, "'")
    .replace(/[\u201c\u201d\u00ab\u00bb]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ *\n */g, '\n');
}

/** Where the quoted earlier message starts: "On … wrote:" in the seven languages, Outlook headers, separators. */
const QUOTE_STARTS = [
  /^[ \t]*on\b[^\n]{0,250}(\n[^\n]{0,120})?\bwrote:[ \t]*$/im,
  /^[ \t]*le\b[^\n]{0,250}(\n[^\n]{0,120})?\ba [ée]crit[ \t]?:[ \t]*$/im,
  /^[ \t]*am\b[^\n]{0,250}(\n[^\n]{0,120})?\bschrieb\b[^\n]{0,120}:[ \t]*$/im,
  /^[ \t]*el\b[^\n]{0,250}(\n[^\n]{0,120})?\bescribi[óo][^\n]{0,60}:[ \t]*$/im,
  /^[ \t]*em\b[^\n]{0,250}(\n[^\n]{0,120})?\bescreveu[^\n]{0,60}:[ \t]*$/im,
  /^[ \t]*il\b[^\n]{0,250}(\n[^\n]{0,120})?\bha scritto[^\n]{0,60}:[ \t]*$/im,
  /^[ \t]*op\b[^\n]{0,250}(\n[^\n]{0,120})?\bschreef\b[^\n]{0,120}:[ \t]*$/im,
  /^[ \t]*-{2,}[ \t]*(original message|message d'origine|urspr[üu]ngliche nachricht|mensaje original|mensagem original|messaggio originale|oorspronkelijk bericht)[ \t]*-{2,}/im,
  /^[ \t]*_{10,}[ \t]*$/m,
  /^[ \t]*(from|de|von|da|van):[ \t].+\n[ \t]*(sent|envoy[ée]|gesendet|enviado|inviato|verzonden|date|datum|data|fecha):[ \t]/im,
];

/** Lines a phone or a mail client adds under what the person wrote. */
const SIGNATURE_START = /^[ \t]*(-- ?|sent from my [^\n]*|envoy[ée] de mon [^\n]*|von meinem [^\n]* gesendet|enviado desde mi [^\n]*|enviado do meu [^\n]*|inviato da[^\n]*|verzonden (vanaf|met) mijn [^\n]*)[ \t]*$/im;

/** The part of a reply its author wrote: without the quoted earlier message and the signature separator. */
export function ownWords(text: string): string {
  let end = text.length;
  for (const pattern of [...QUOTE_STARTS, SIGNATURE_START]) {
    const found = pattern.exec(text);
    if (found && found.index < end) end = found.index;
  }
  return text
    .slice(0, end)
    .split('\n')
    .filter((line) => !/^[ \t]*>/.test(line))
    .join('\n')
    .trim();
}

/** Short, frequent, distinctive words per language (normalized form). */
const STOPWORDS: Record<Language, readonly string[]> = {
  en: ['the', 'and', 'you', 'your', 'i', 'is', 'are', 'to', 'of', 'for', 'with', 'this', 'we', 'thanks', 'please', 'not', 'my', 'me', 'will', 'be', 'it', 'on', 'have'],
  fr: ['le', 'la', 'les', 'des', 'et', 'vous', 'votre', 'je', 'est', 'pour', 'avec', 'merci', 'pas', 'mon', 'nous', 'une', 'du', 'ne', 'suis', 'sur', 'au', 'bonjour', 'qui'],
  de: ['der', 'die', 'das', 'und', 'sie', 'ihre', 'ich', 'ist', 'nicht', 'mit', 'fur', 'bitte', 'danke', 'mich', 'wir', 'ein', 'eine', 'bin', 'zu', 'auf', 'hallo', 'den', 'uns'],
  es: ['el', 'los', 'las', 'y', 'usted', 'su', 'yo', 'es', 'por', 'para', 'con', 'gracias', 'no', 'mi', 'nosotros', 'una', 'del', 'estoy', 'que', 'hola', 'muy', 'lo', 'me'],
  pt: ['o', 'os', 'as', 'e', 'voce', 'seu', 'sua', 'eu', 'nao', 'com', 'obrigado', 'obrigada', 'meu', 'minha', 'nos', 'uma', 'do', 'da', 'estou', 'que', 'ola', 'muito', 'em'],
  it: ['il', 'lo', 'gli', 'e', 'lei', 'suo', 'io', 'non', 'per', 'con', 'grazie', 'mio', 'mia', 'noi', 'una', 'del', 'della', 'sono', 'che', 'ciao', 'molto', 'di', 'mi'],
  nl: ['de', 'het', 'een', 'en', 'u', 'uw', 'ik', 'is', 'niet', 'met', 'voor', 'bedankt', 'dank', 'mijn', 'wij', 'we', 'ben', 'van', 'op', 'dat', 'hallo', 'graag', 'je'],
};

/** The most likely of the seven languages by distinctive words; English when nothing stands out. */
export function guessLanguage(text: string): Language {
  const words = normalize(text).match(/[a-z]+/g) ?? [];
  let best: Language = 'en';
  let bestScore = 0;
  for (const language of LANGUAGES) {
    const list = new Set(STOPWORDS[language]);
    const score = words.reduce((n, w) => n + (list.has(w) ? 1 : 0), 0);
    if (score > bestScore) {
      best = language;
      bestScore = score;
    }
  }
  return best;
}

/** Email headers as they arrive: an object, or UniPile's / a parser's list of `{ name|key, value }`. */
export type HeadersInput = Record<string, unknown> | Array<{ name?: unknown; key?: unknown; value?: unknown }> | null | undefined;

/** Header names lower-cased, values as strings (repeated headers joined with ", "). */
export function headerMap(headers: HeadersInput): Map<string, string> {
  const map = new Map<string, string>();
  const add = (name: unknown, value: unknown) => {
    if (typeof name !== 'string' || value === undefined || value === null) return;
    const key = name.trim().toLowerCase();
    const text = Array.isArray(value) ? value.map(String).join(', ') : String(value);
    map.set(key, map.has(key) ? `${map.get(key)}, ${text}` : text);
  };
  if (Array.isArray(headers)) for (const h of headers) add(h?.name ?? h?.key, h?.value);
  else if (headers && typeof headers === 'object') for (const [k, v] of Object.entries(headers)) add(k, v);
  return map;
}
