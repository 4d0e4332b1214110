import { extractReturnDate } from '../../runtime/classify/dates';
import { applyRules } from '../../runtime/classify/rules';
import { guessLanguage, ownWords } from '../../runtime/classify/text';

const sentAt = new Date('2025-03-01T10:00:00Z'); // a Saturday
const categoryOf = (text: string, extra: Partial<Parameters<typeof applyRules>[0]> = {}) => applyRules({ text, sentAt, ...extra })?.category ?? null;

describe('unsubscribe requests are caught in the seven languages', () => {
  it.each([
    ['STOP', 'en'],
    ['Unsubscribe.', 'en'],
    ['Please remove me from your mailing list.', 'en'],
    ['Not interested, please remove me', 'en'],
    ['Stop emailing me.', 'en'],
    ["Don't contact me again.", 'en'],
    ['Merci de me désinscrire de votre liste.', 'fr'],
    ['Ne me contactez plus, merci.', 'fr'],
    ['Bitte nehmen Sie mich aus Ihrem Verteiler.', 'de'],
    ['Bitte keine E-Mails mehr.', 'de'],
    ['Por favor, denme de baja de su lista.', 'es'],
    ['No me escriban más.', 'es'],
    ['Por favor me descadastre.', 'pt'],
    ['Não me enviem mais e-mails, obrigado.', 'pt'],
    ['Rimuovetemi dalla vostra mailing list.', 'it'],
    ['Non scrivetemi più per favore.', 'it'],
    ['Haal me alsjeblieft van jullie lijst.', 'nl'],
    ['Ik wil me afmelden.', 'nl'],
  ])('%s', (text, language) => {
    const result = applyRules({ text, sentAt });
    expect(result).toMatchObject({ category: 'unsubscribe', source: 'rules', sentiment: 'negative', language });
    expect(result!.reason).toMatch(/unsubscribe/);
  });

  it.each([
    "Please don't stop, these tips are great.",
    "I can't unsubscribe you from my heart 😄",
    'Not interested right now, maybe next quarter.',
    "Please don't remove me from the list, I like your updates.",
    'Can you stop by our booth at SaaStr next week?',
    'Could you remove John from CC? He left.',
    "I'd like to opt out of the trial auto-renewal, how do I do that?",
    'Bitte nehmen Sie mich nicht aus dem Verteiler, ich lese gerne mit.',
    'Je ne veux pas me désabonner, continuez !',
    'No me escriban por LinkedIn, mejor por correo.',
    'How do I unsubscribe my team from your product notifications? We still want to talk.',
  ])('not an unsubscribe: %s', (text) => {
    expect(categoryOf(text)).not.toBe('unsubscribe');
  });

  it('ignores the unsubscribe line of our own quoted email', () => {
    const text = 'Sounds good, Tuesday works.\n\nOn Mon, 3 Mar 2025 at 09:12, Anna <anna@seller.io> wrote:\n> Reply STOP to unsubscribe.\n> Remove me from your list';
    expect(categoryOf(text)).toBeNull();
    expect(ownWords(text)).toBe('Sounds good, Tuesday works.');
  });
});

describe('out-of-office and automatic replies', () => {
  it('headers mark a reply automatic; away wording makes it out-of-office with its return date', () => {
    const result = applyRules({
      text: "Thank you for your email. I'm out of the office and will be back on 10 March.",
      subject: 'Automatic reply: Quick question',
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
      sentAt,
    });
    expect(result).toMatchObject({ category: 'out_of_office', confidence: 1, language: 'en', oooReturnDate: '2025-03-10', sentiment: 'neutral' });
    expect(result!.reason).toContain('Auto-Submitted');
  });

  it.each([
    [{ 'Auto-Submitted': 'auto-generated' }],
    [{ 'X-Autoreply': 'yes' }],
    [{ 'X-Autorespond': '1' }],
    [{ Precedence: 'auto_reply' }],
    [[{ name: 'Precedence', value: 'bulk' }]],
  ])('an automatic header without away wording is an auto-reply: %j', (headers) => {
    expect(categoryOf('Thanks for contacting Acme support. A team member will answer within 24 hours.', { headers })).toBe('auto_reply');
  });

  it('Auto-Submitted: no is a person', () => {
    expect(categoryOf('Yes, interested. Send me the deck.', { headers: { 'Auto-Submitted': 'no' } })).toBeNull();
  });

  it.each([
    ['Je suis absente du bureau jusqu’au 12 mars. En cas d’urgence, contactez Paul.', 'fr', '2025-03-12'],
    ['Ich bin bis zum 14.03. nicht im Büro. In dringenden Fällen wenden Sie sich an Frau Weber.', 'de', '2025-03-14'],
    ['Estoy de vacaciones. Vuelvo el 5 de marzo. Para asuntos urgentes escriba a soporte@acme.es', 'es', '2025-03-05'],
    ['Estou de férias e retorno em 10/03. Em caso de urgência, ligue para o escritório.', 'pt', '2025-03-10'],
    ['Sono in ferie fino al 7 marzo, al mio rientro risponderò alla sua email.', 'it', '2025-03-07'],
    ['Ik ben met vakantie tot en met 9 maart. Voor dringende zaken kunt u mailen naar info@acme.nl', 'nl', '2025-03-09'],
  ])('text-only away notice: %s', (text, language, date) => {
    expect(applyRules({ text, sentAt })).toMatchObject({ category: 'out_of_office', language, oooReturnDate: date });
  });

  it.each([
    "I was out of office last week, sorry for the late reply. Yes, let's talk Thursday.",
    "I'm away until Monday but very interested, let's talk next week.",
    "We're going on vacation next month, can we talk before?",
  ])('a person mentioning an absence is not an away notice: %s', (text) => {
    expect(categoryOf(text)).not.toBe('out_of_office');
  });

  it('ticket confirmations are auto-replies, a person confirming is not', () => {
    expect(categoryOf('We have received your request. Your ticket number is #48213.')).toBe('auto_reply');
    expect(categoryOf('We have received your message and will discuss it internally.')).toBeNull();
  });
});

describe('bounces', () => {
  it('a mailer-daemon report is a bounce', () => {
    const result = applyRules({
      text: "Delivery to the following recipient failed permanently:\n\n     jane@acme.io\n\nThe email account that you tried to reach does not exist.\n550 5.1.1",
      subject: 'Delivery Status Notification (Failure)',
      from: 'Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
      sentAt,
    });
    expect(result).toMatchObject({ category: 'bounce', confidence: 1, source: 'rules' });
    expect(result!.reason).toMatch(/mailer-daemon/);
  });

  it('an Outlook NDR by subject, a delay notice is not a bounce', () => {
    expect(categoryOf('Your message to jane@acme.io couldn\'t be delivered.', { subject: 'Undeliverable: Quick question' })).toBe('bounce');
    expect(categoryOf('Delivery incomplete. Gmail will retry for 47 more hours.', { subject: 'Delivery Status Notification (Delay)' })).toBe('auto_reply');
  });

  it('one delivery phrase in a person\'s reply is not a bounce', () => {
    expect(categoryOf('My colleague says your message was not delivered to her, can you resend?')).toBeNull();
  });
});

describe('return dates are read relative to the message date', () => {
  const at = (iso: string) => new Date(iso);
  it.each([
    ['I am back on 3 March.', '2025-02-20T09:00:00Z', 'en', '2025-03-03'],
    ['Back on March 3rd, 2025.', '2025-02-20T09:00:00Z', 'en', '2025-03-03'],
    ['de retour le 12/03', '2025-03-01T09:00:00Z', 'fr', '2025-03-12'],
    ['Ich bin am 3.3. zurück... zurück am 3.3.', '2025-02-27T09:00:00Z', 'de', '2025-03-03'],
    ['vuelvo el 5 de marzo', '2025-02-27T09:00:00Z', 'es', '2025-03-05'],
    ['back on 3 January', '2024-12-20T09:00:00Z', 'en', '2025-01-03'],
    ['out until Monday', '2025-03-05T09:00:00Z', 'en', '2025-03-10'],
    ['back tomorrow', '2025-03-05T09:00:00Z', 'en', '2025-03-06'],
    ['away from 1 March until 10 March, back in the office on Tuesday 11 March', '2025-02-28T09:00:00Z', 'en', '2025-03-11'],
    ['Ab dem 17.03. bin ich wieder im Büro.', '2025-03-05T09:00:00Z', 'de', '2025-03-17'],
    ['rientro in ufficio lunedì 10 marzo', '2025-03-05T09:00:00Z', 'it', '2025-03-10'],
    ['terug op 2025-04-01', '2025-03-05T09:00:00Z', 'nl', '2025-04-01'],
  ])('%s (sent %s)', (text, sent, language, expected) => {
    expect(extractReturnDate(text, at(sent), { language: language as 'en' })).toBe(expected);
  });

  it.each([
    ['back on 3/4', 'en'], // US or European? Not guessed.
    ['I will get back to you soon', 'en'],
    ['back on 3 March 2024', 'en'], // a stale autoresponder
    ['bis 10.30 Uhr erreichbar', 'de'],
  ])('no date from %s', (text, language) => {
    expect(extractReturnDate(text, at('2025-03-05T09:00:00Z'), { language: language as 'en' })).toBeNull();
  });

  it('weekdays and "tomorrow" are read in the writer\'s zone', () => {
    // 23:30 on Sunday in New York is already Monday in UTC.
    const sent = at('2025-03-10T03:30:00Z');
    expect(extractReturnDate('back tomorrow', sent, { language: 'en', zone: 'America/New_York' })).toBe('2025-03-10');
    expect(extractReturnDate('back tomorrow', sent, { language: 'en' })).toBe('2025-03-11');
  });
});

describe('language guess', () => {
  it.each([
    ['Thanks for the note, I will have a look at it this week.', 'en'],
    ['Merci pour votre message, je vous réponds la semaine prochaine.', 'fr'],
    ['Danke für die Nachricht, ich melde mich nächste Woche bei Ihnen.', 'de'],
    ['Gracias por el mensaje, le respondo la semana que viene.', 'es'],
    ['Obrigado pela mensagem, eu respondo na próxima semana.', 'pt'],
    ['Grazie per il messaggio, le rispondo la prossima settimana.', 'it'],
    ['Bedankt voor het bericht, ik kom er volgende week op terug.', 'nl'],
  ])('%s', (text, language) => {
    expect(guessLanguage(text)).toBe(language);
  });
});
