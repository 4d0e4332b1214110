import type { Language } from './text';

/**
 * The phrases of the rules pre-filter, per language, written against `normalize()`d text (lower
 * case, no accents, plain apostrophes). Precision first: each phrase is an explicit statement; a
 * reply that only hints at something goes to the model. docs/classify.md lists what is caught.
 */
export interface Phrase {
  language: Language;
  re: RegExp;
}

const phrases = (language: Language, ...res: RegExp[]): Phrase[] => res.map((re) => ({ language, re }));

const END = String.raw`(?=[\s.!]*(?:$|\n))`;
const LIST_EN = String.raw`(?:mailing |email |e-mail |distribution |contact |marketing |sales |outreach )?(?:list|lists|database|db|emails|e-mails|mailings|sequence|sequences|campaign|campaigns|outreach|crm|system|records)`;
const LIST_FR = String.raw`(?:liste|listes|fichier|fichiers|base|bases|mailing|diffusion|envois|contacts|newsletter)`;
const LIST_DE = String.raw`(?:e-?mail-?|mail-?|kontakt-?|newsletter-?)?(?:verteiler|liste|mailingliste|datenbank|kartei|newsletter|adressliste|listen)`;
const LIST_ES = String.raw`(?:lista|listas|base|bases|correos|envios|mailing|listado|contactos|newsletter)`;
const LIST_PT = String.raw`(?:lista|listas|base|mailing|cadastro|contatos|newsletter)`;
const LIST_IT = String.raw`(?:lista|liste|mailing|mailing list|database|elenco|indirizzi|newsletter|contatti|comunicazioni)`;
const LIST_NL = String.raw`(?:mailing|e-?mail|verzend|contact)?(?:lijst|lijsten|mailinglijst|database|verzendlijst|bestand|bestanden|adressenbestand)`;

/** Explicit requests to stop all contact. */
export const UNSUBSCRIBE: Phrase[] = [
  ...phrases(
    'en',
    /\bunsubscribe (?:me|us)\b/,
    /\bplease unsubscribe\b(?! you\b)/,
    /\b(?:i|we)(?: want| would like|'d like| wish| need) to (?:unsubscribe|be unsubscribed|be removed|be taken off|opt out)\b(?! of (?:the|this|our|my) (?:trial|plan|subscription|renewal|meeting|call|event|webinar))/,
    new RegExp(String.raw`\b(?:remove|delete|take|get|drop|strike) (?:me|us|my (?:e-?mail|address|details|name|contact details|data)|this (?:e-?mail|address)) (?:\w+ ){0,2}?(?:from|off) (?:(?:your|the|this|these|all|any|our) )?${LIST_EN}\b`),
    new RegExp(String.raw`\bremove (?:me|us)${END}`, 'm'),
    /\b(?:stop|quit|cease) (?:e-?mailing|mailing|contacting|messaging|spamming|texting|writing to|bothering|harassing|pinging|calling|reaching out to|following up with) (?:me|us)\b/,
    /\b(?:stop|quit|cease) sending (?:me|us|these|those|your (?:e-?mails|emails|messages|mails))\b/,
    /\b(?:do not|don't|dont|never) (?:contact|e-?mail|message|write to|reach out to|call|spam|bother) (?:me|us) (?:again|anymore|any more|ever again|in the future|going forward|further)\b/,
    new RegExp(String.raw`\b(?:do not|don't|dont) (?:contact|e-?mail|message) (?:me|us)${END}`, 'm'),
    /\bopt (?:me|us) out\b/,
    /\bopt(?:ing)? out of (?:your|these|all|the|any|future) (?:e-?mails|mails|list|mailing|mailings|communications|messages|outreach)\b/,
    /\bno more (?:e-?mails|mails|messages|follow-?ups)\b(?! (?:needed|necessary|required)\b)/,
    /\b(?:cease|stop|end) all (?:communication|communications|contact|e-?mails|outreach)\b/,
    /\bnot (?:to )?receiv(?:e|ing) (?:any )?(?:further|more) (?:e-?mails|mails|messages)\b/,
    /\b(?:delete|erase|remove) (?:all )?(?:of )?(?:my|our) (?:personal )?(?:data|information|info|details|contact details|e-?mail address)\b/,
    /\bleave me alone\b/,
  ),
  ...phrases(
    'fr',
    /\b(?:desabonnez|desinscrivez|retirez|supprimez|enlevez|radiez|rayez)[- ](?:moi|nous)\b/,
    /\b(?:me|nous) (?:desabonner|desinscrire)\b/,
    new RegExp(String.raw`\b(?:me |m'|nous )(?:retirer|supprimer|enlever|radier|rayer) (?:de|des|du) (?:(?:votre|vos|la|cette|ces|tous|toutes|vos|les) )*${LIST_FR}\b`),
    /\bne (?:plus|jamais) (?:me |m'|nous )(?:contacter|recontacter|solliciter|ecrire|relancer|envoyer|spammer)\b/,
    /\bne pas (?:me |nous )recontacter\b/,
    /\bne (?:me |m'|nous )(?:contactez|recontactez|sollicitez|ecrivez|relancez|envoyez|spammez)\b[^.\n]{0,20}?\b(?:plus|jamais)\b/,
    /\barrete[zs]? (?:de |d')(?:me |m'|nous )(?:contacter|ecrire|envoyer|solliciter|spammer|relancer|harceler)\b/,
    /\bne (?:veux|souhaite|desire|voulons|souhaitons) plus recevoir\b/,
    /\betre (?:desabonnee?s?|desinscrite?s?|retiree?s? de (?:votre|vos|la|cette) liste)\b/,
    /\bsupprimez (?:toutes )?(?:mes|nos) (?:donnees|coordonnees|informations)\b/,
    /\bstop (?:aux|a vos|a ces) (?:mails|e-?mails|messages|relances|sollicitations)\b/,
    /\bcesser (?:tout|tous (?:les|vos)|toutes (?:les|vos)|vos) (?:envois?|mails|e-?mails|messages|sollicitations|relances)\b/,
  ),
  ...phrases(
    'de',
    new RegExp(String.raw`\b(?:nehmen|streichen|entfernen|loschen|tragen) sie (?:mich|uns) (?:bitte )?(?:umgehend |sofort )?(?:aus|von) (?:ihrem|ihrer|dem|der|eurem|eurer|ihren|allen) ${LIST_DE}\b`),
    new RegExp(String.raw`\b(?:mich|uns) (?:bitte )?(?:aus|von) (?:ihrem|ihrer|dem|der|eurem|eurer|ihren|allen) ${LIST_DE}(?: \w+)? (?:nehmen|streichen|entfernen|loschen|austragen)\b`),
    /\btragen sie (?:mich|uns) (?:bitte )?aus\b/,
    /\b(?:mich|uns) (?:bitte )?(?:abmelden|austragen|abbestellen)\b/,
    /\bkeine (?:weiteren |weitere )?(?:e-?mails|mails|nachrichten|anfragen|kontaktaufnahmen?|werbung|angebote|newsletter) mehr\b/,
    /\bkeine weiteren (?:e-?mails|mails|nachrichten|kontaktaufnahmen?|anfragen)\b/,
    /\b(?:kontaktieren|schreiben|anschreiben|belastigen|anrufen|mailen) sie (?:mich|uns) (?:bitte )?(?:nicht mehr|nie wieder|nicht wieder|kunftig nicht mehr)\b/,
    /\bhoren sie (?:bitte )?auf,? (?:mich|mir|uns) zu (?:kontaktieren|schreiben|mailen|belastigen)\b/,
    /\bunterlassen sie (?:bitte )?(?:weitere|kunftige|jegliche) (?:kontaktaufnahmen?|e-?mails|nachrichten|anfragen)\b/,
    /\bloschen sie (?:bitte )?(?:meine|alle meine|unsere) (?:daten|kontaktdaten|e-?mail-?adresse|personenbezogenen daten)\b/,
    /\bnicht mehr kontaktiert werden\b/,
    /\bbitte um (?:austragung|loschung|entfernung|abmeldung)\b/,
  ),
  ...phrases(
    'es',
    /\b(?:darme|dame|denme|deme|darnos|me doy|me den|me de)\s+de baja\b/,
    /\bme (?:pueden|puede|podrian|podria|puedes|podeis) dar de baja\b/,
    new RegExp(String.raw`\b(?:eliminenme|eliminame|elimineme|borrenme|borrame|borreme|quitenme|quitame|quiteme|sacame|saquenme|saqueme|excluyanme|retirenme)\b[^.\n]{0,25}?\b${LIST_ES}\b`),
    new RegExp(String.raw`\b(?:eliminen|borren|quiten|saquen|retiren) (?:mi|mis) (?:correo|email|e-mail|datos|direccion|contacto)\b[^.\n]{0,25}?\b${LIST_ES}\b`),
    /\bno (?:me |nos )?(?:contacten|escriban|envien|manden|contacte|escriba|envie|mande|molesten|moleste|contactes|escribas|envies|mandes|molestes|llamen) (?:mas|nunca mas)\b/,
    /\bno (?:me |nos )?(?:vuelvan|vuelva|vuelvas) a (?:contactar|escribir|enviar|molestar|llamar)(?:me|nos)?\b/,
    /\b(?:dejen|deja|deje|dejad) de (?:escribirme|contactarme|enviarme|molestarme|mandarme|llamarme|escribirnos|contactarnos|enviarnos|molestarnos)\b/,
    /\bno (?:quiero|deseo|queremos) recibir (?:mas|ningun|ninguna|nada mas)\b/,
    /\b(?:borren|eliminen|supriman|borrad) (?:todos )?(?:mis|nuestros) datos\b/,
  ),
  ...phrases(
    'pt',
    /\bme descadastr(?:e|em|ar|a)\b|\bdescadastr(?:e|em|ar|a)-me\b|\b(?:quero|gostaria de|favor|por favor,?) descadastrar\b/,
    /\b(?:remova|removam|retire|retirem|tire|tirem|exclua|excluam|apague|apaguem)-me\b/,
    new RegExp(String.raw`\bme (?:remova|removam|remover|retire|retirem|retirar|tire|tirem|tirar|exclua|excluam|excluir) d[ao]s? (?:(?:sua|vossa|seu|vosso) )?${LIST_PT}\b`),
    new RegExp(String.raw`\b(?:remover|retirar|excluir|tirar|remova|removam|retire|exclua|tire) (?:o )?(?:meu|nosso) (?:e-?mail|endereco|contato|nome|cadastro) d[ao]s? (?:(?:sua|vossa|seu|vosso) )?${LIST_PT}\b`),
    /\bnao (?:me |nos )?(?:contate|contatem|contacte|contactem|envie|enviem|mande|mandem|escreva|escrevam|procure|procurem|ligue|liguem|incomode|incomodem) mais\b/,
    /\bnao (?:quero|desejo|queremos) mais receber\b|\bnao (?:quero|desejo|queremos) receber mais\b|\bnao (?:quero|desejo) receber (?:nenhum|nenhuma)\b/,
    /\b(?:parem|pare) de (?:me |nos )?(?:enviar|mandar|contatar|contactar|escrever|ligar|incomodar)\b/,
    /\bcancel(?:ar|e|em) (?:a )?(?:minha )?inscricao\b|\bquero sair d[ae] (?:sua |vossa )?lista\b/,
    /\b(?:apaguem|excluam|removam|eliminem) (?:os )?(?:meus|nossos) dados\b/,
  ),
  ...phrases(
    'it',
    new RegExp(
      String.raw`\b(?:cancellami|cancellatemi|rimuovimi|rimuovetemi|toglietemi|toglimi|eliminatemi|eliminami|depennatemi|cancellateci|rimuoveteci|toglieteci)\b` +
        String.raw`(?:${END}|\s+(?:dalla|dalle|dai|dal|da)\s+(?:\w+\s+){0,2}?${LIST_IT}\b)`,
      'm',
    ),
    /\bnon (?:mi |ci )?(?:contattate|scrivete|contattare|scrivere|mandate|inviate|contatti|scriva|mandi|invii|disturbate|disturbare|cercate) piu\b/,
    /\bnon (?:contattatemi|scrivetemi|cercatemi|disturbatemi|mandatemi|inviatemi) piu\b/,
    /\bnon (?:voglio|desidero) (?:essere )?piu (?:essere )?contattat[oaie]\b/,
    /\b(?:smettete|smetti|smetta|smettetela) di (?:scrivermi|contattarmi|inviarmi|mandarmi|scriverci|contattarci|disturbarmi)\b/,
    new RegExp(String.raw`\b(?:disiscrivermi|disiscrivetemi|disiscrivimi|disiscriverci)\b|\b(?:cancellarmi|rimuovermi|togliermi) (?:dalla|dalle|dai|dal) (?:\w+\s+){0,2}?${LIST_IT}\b`),
    /\bnon (?:voglio|desidero|vogliamo) (?:piu ricevere|ricevere piu|ricevere ulteriori)\b/,
    /\b(?:cancellate|eliminate|rimuovete) (?:tutti )?i (?:miei|nostri) dati\b/,
  ),
  ...phrases(
    'nl',
    new RegExp(String.raw`\b(?:haal|haalt) (?:me|mij|ons) (?:\w+ ){0,2}?(?:van|uit) (?:de|jullie|uw|je|deze|jouw|het|alle) ${LIST_NL}\b`),
    new RegExp(String.raw`\b(?:verwijder|verwijdert|schrap|schrapt) (?:me|mij|ons|mijn gegevens|mijn e-?mailadres) (?:\w+ ){0,2}?(?:van|uit) (?:de|jullie|uw|je|deze|jouw|het|alle) ${LIST_NL}\b`),
    new RegExp(String.raw`\b(?:me|mij|ons) (?:\w+ ){0,2}?(?:van|uit) (?:de|jullie|uw|je|deze|jouw|het|alle) ${LIST_NL} (?:\w+ )?(?:halen|verwijderen|schrappen)\b`),
    /\b(?:me|mij|ons) (?:graag |alsjeblieft |aub )?(?:afmelden|uitschrijven)\b|\bgraag (?:afmelden|uitschrijven)\b/,
    /\bneem (?:geen|niet langer|nooit meer) contact (?:meer )?(?:met (?:me|mij|ons) )?op\b/,
    /\bgeen (?:e-?mails|mails|berichten|mailtjes|nieuwsbrieven) meer\b/,
    /\b(?:stop|stopt|stoppen) (?:alstublieft |aub )?met (?:het )?(?:mailen|me te mailen|mij te mailen|mij te benaderen|me te benaderen|berichten sturen|contact opnemen|benaderen|spammen)\b/,
    /\bwil (?:geen|niet langer) (?:e-?mails|mails|berichten) (?:meer )?(?:ontvangen|krijgen)\b/,
    /\bniet (?:langer|meer) (?:benaderd|gemaild|gecontacteerd) worden\b/,
    /\bverwijder (?:al )?(?:mijn|onze) gegevens\b/,
  ),
];

/** A whole reply that is only one of these words (greetings and courtesy removed) is an unsubscribe. */
export const UNSUBSCRIBE_KEYWORDS: Record<string, Language> = {
  stop: 'en', unsubscribe: 'en', 'unsubscribe me': 'en', remove: 'en', 'remove me': 'en', 'opt out': 'en', optout: 'en',
  desabonner: 'fr', desinscrire: 'fr', desabonnement: 'fr', desinscription: 'fr', 'desabonnez-moi': 'fr', 'desinscrivez-moi': 'fr', arret: 'fr', 'plus de mails': 'fr', 'plus de messages': 'fr', "plus d'e-mails": 'fr', "plus d'emails": 'fr',
  stopp: 'de', abmelden: 'de', austragen: 'de', abbestellen: 'de', 'keine werbung': 'de', 'keine mails': 'de', 'keine e-mails': 'de',
  baja: 'es', 'darme de baja': 'es', 'dar de baja': 'es', 'de baja': 'es', parar: 'es',
  descadastrar: 'pt', descadastre: 'pt', 'descadastrar-me': 'pt', pare: 'pt',
  disiscrivi: 'it', disiscrivimi: 'it', rimuovimi: 'it', cancellami: 'it',
  afmelden: 'nl', uitschrijven: 'nl', 'verwijder mij': 'nl', 'verwijder me': 'nl',
};

/** Greetings and courtesy words that do not change what a one-word reply asks. */
export const COURTESY = /\b(?:no thanks|no thank you|please|pls|plz|thanks|thank you|thx|merci|svp|s'il vous plait|s'il te plait|stp|bitte|danke|por favor|gracias|porfa|obrigad[oa]|grazie|per favore|alsjeblieft|alstublieft|aub|a\.u\.b|bedankt|dank u|dank je|hi|hello|hey|bonjour|hallo|hola|ola|ciao|hoi|ok|now)\b/g;

/** Words that turn a request around when they come just before it ("please don't remove me"). */
export const NEGATION_BEFORE = /^(?:not|don't|dont|do|never|no|won't|wouldn't|shouldn't|can't|cannot|didn't|doesn't|ne|pas|jamais|sans|nicht|nie|kein|keine|niemals|nunca|ni|nao|nem|non|mai|niet|nooit|geen)$/;

/** Negations inside a German or Dutch match ("nehmen Sie mich nicht aus …"), unless part of "no longer". */
export const NEGATION_INSIDE: Partial<Record<Language, RegExp>> = {
  de: /\bnicht\b(?! mehr| wieder)/,
  nl: /\bniet\b(?! langer| meer)/,
};

/** "I am out of the office", in the seven languages. */
export const OUT_OF_OFFICE: Phrase[] = [
  ...phrases(
    'en',
    /\b(?:i am|i'm|im|i will be|i'll be|i shall be) (?:currently |now |presently )?(?:out of (?:the )?office|ooo\b|away from (?:the office|my desk|work|my email|the desk)|away\b|on (?:annual |parental |maternity |paternity |sick |medical |bereavement |study |business )?(?:leave|vacation|holiday|holidays|pto|sabbatical)|off work|out sick|traveling|travelling|on a business trip|on business travel|attending (?:a conference|an event))/,
    /\b(?:currently|presently) out of (?:the )?office\b/,
  ),
  ...phrases(
    'fr',
    /\bje (?:suis|serai) (?:actuellement |en ce moment |presentement )?(?:absente?|en conges?|en vacances|en deplacement|en conge (?:maternite|paternite|parental|maladie)|hors du bureau|en arret maladie|en formation|en seminaire|indisponible)\b/,
  ),
  ...phrases(
    'de',
    /\bich bin\b[^\n]{0,40}?\b(?:nicht im (?:buro|haus|office)|abwesend|im urlaub|ausser haus|auf (?:geschafts)?reise|in elternzeit|im mutterschutz|krankgeschrieben|nicht erreichbar|ausser (?:dem )?buro)\b/,
    /\b(?:derzeit|zurzeit|momentan|aktuell) (?:nicht im buro|abwesend|im urlaub|ausser haus)\b/,
  ),
  ...phrases(
    'es',
    /\b(?:estoy|estare|me encuentro|me encontrare) (?:actualmente |de momento |en este momento )?(?:fuera de la oficina|de vacaciones|ausente|de baja|de viaje|fuera de (?:mi )?despacho|fuera)\b/,
  ),
  ...phrases(
    'pt',
    /\b(?:estou|estarei|encontro-me|me encontro) (?:atualmente |no momento |neste momento )?(?:fora do escritorio|de ferias|ausente|de licenca|em viagem|fora)\b/,
  ),
  ...phrases(
    'it',
    /\b(?:sono|saro|mi trovo) (?:attualmente |al momento |in questo momento )?(?:fuori (?:sede|ufficio)|in ferie|assente|in vacanza|in congedo|in maternita|in trasferta|in malattia)\b/,
  ),
  ...phrases(
    'nl',
    /\bik ben (?:momenteel |op dit moment |tijdelijk )?[^.\n]{0,30}?\b(?:afwezig|met vakantie|op vakantie|niet op kantoor|niet aanwezig|met verlof|ziek|met zwangerschapsverlof|niet bereikbaar)\b/,
  ),
];

/** What only an automatic away notice says: urgent contacts, limited access, "on my return". */
export const AWAY_NOTICE_SIGNALS = [
  /\blimited (?:access|email access|connectivity)\b|\bno access to (?:my )?e-?mail/,
  /\b(?:for|in case of) (?:urgent|immediate|pressing) (?:matters|requests|inquiries|enquiries|issues|questions|needs)\b|\bif (?:it is|it's|this is) urgent\b/,
  /\b(?:upon|on|after) my return\b|\bwhen i (?:get|am|come) back\b|\bin my absence\b|\bduring my absence\b/,
  /\bwill (?:respond|reply|answer|get back to you|read)\b/,
  /\ben cas d'urgence\b|\bpour toute urgence\b|\b(?:des|a) mon retour\b|\bpendant mon absence\b|\bacces limite\b|\bje vous repondrai\b|\bje prendrai connaissance\b/,
  /\bin dringenden fallen\b|\bbei dringenden\b|\bnach meiner ruckkehr\b|\bwahrend meiner abwesenheit\b|\beingeschrankte?n? zugriff\b|\bkeinen zugriff\b|\bwird nicht weitergeleitet\b/,
  /\ben caso de urgencia\b|\bpara (?:asuntos|temas) urgentes\b|\ba mi regreso\b|\bdurante mi ausencia\b|\bacceso limitado\b|\bresponder(?:e)? (?:a )?(?:su|tu) (?:correo|mensaje)\b/,
  /\bem caso de urgencia\b|\bpara assuntos urgentes\b|\bao meu retorno\b|\bno meu regresso\b|\bdurante a minha ausencia\b|\bacesso limitado\b|\bresponderei\b/,
  /\bper (?:urgenze|questioni urgenti|richieste urgenti)\b|\bin caso di urgenza\b|\bal mio rientro\b|\bdurante la mia assenza\b|\baccesso limitato\b|\brispondero\b/,
  /\b(?:voor|bij) dringende (?:zaken|vragen)\b|\bna mijn terugkomst\b|\btijdens mijn afwezigheid\b|\bbeperkte? toegang\b|\bzal (?:ik )?(?:uw|je) (?:e-?mail|bericht) (?:beantwoorden|lezen)\b/,
];

/** Words about being away, enough when the headers or subject already say the message is automatic. */
export const AWAY_WORDS =
  /\b(?:out of (?:the )?office|ooo|vacation|holiday|holidays|annual leave|parental leave|maternity leave|on leave|away|absent|absente|absence|conges?|vacances|urlaub|abwesend|abwesenheit|elternzeit|vacaciones|ausente|ausencia|ferias|ferie|assente|assenza|vakantie|afwezig|verlof)\b/;

/** A person answering, not an away notice: stops the text-only out-of-office rule. */
export const HUMAN_REPLY_SIGNALS =
  /\b(?:interested|interesting|let's|lets talk|happy to|sounds (?:good|great)|sorry for the (?:late|delayed) (?:reply|response)|love to|call me|book a|your offer|your product|pricing|interesse|interessant|avec plaisir|volontiers|discutons|appelez-moi|votre offre|interessiert|lassen sie uns|rufen sie mich|ihr angebot|interesad[oa]|interesante|con gusto|encantad[oa]|hablemos|llamame|su oferta|interessad[oa]|interessante|com prazer|vamos conversar|me ligue|sua oferta|interessat[oa]|volentieri|con piacere|sentiamoci|chiamami|la vostra offerta|geinteresseerd|laten we|bel me|uw aanbod)\b/;

/** Automatic answers that are not away notices. */
export const AUTOMATED_STATEMENTS: Phrase[] = [
  ...phrases(
    'en',
    /\bthis is an? (?:automated|automatic|auto-generated|automatically generated) (?:response|reply|message|e-?mail|notification|confirmation)\b/,
    /\b(?:this|the) (?:mailbox|e-?mail address|inbox|address) is (?:not monitored|no longer (?:monitored|in use|active|being monitored)|unattended|not being monitored)\b/,
    /\bplease do not reply to this (?:e-?mail|message)\b/,
  ),
  ...phrases(
    'fr',
    /\bceci est (?:un|une) (?:message|reponse|e-?mail|courriel) (?:automatique|genere automatiquement)\b/,
    /\bmerci de ne pas repondre a (?:ce|cet) (?:message|e-?mail|courriel)\b/,
    /\bcette (?:adresse|boite)[^.\n]{0,30}n'est (?:pas|plus) (?:surveillee|consultee|active)\b/,
  ),
  ...phrases(
    'de',
    /\bdies ist eine automatische? (?:antwort|nachricht|e-?mail|benachrichtigung|eingangsbestatigung)\b/,
    /\bautomatisch (?:generierte|erstellte|versandte) (?:nachricht|antwort|e-?mail)\b/,
    /\bbitte antworten sie nicht auf diese\b/,
    /\bdieses postfach wird nicht (?:mehr )?(?:uberwacht|gelesen|betreut)\b/,
  ),
  ...phrases(
    'es',
    /\beste es un (?:mensaje|correo|email|e-mail) (?:automatico|generado automaticamente)\b/,
    /\bpor favor,? no responda a este (?:mensaje|correo)\b/,
    /\besta (?:direccion|cuenta|bandeja)[^.\n]{0,30}no (?:es|esta) (?:monitorizada|supervisada|atendida)\b/,
  ),
  ...phrases(
    'pt',
    /\besta e uma (?:mensagem|resposta) automatica\b/,
    /\bpor favor,? nao responda (?:a )?(?:este|esta) (?:e-?mail|mensagem)\b/,
  ),
  ...phrases(
    'it',
    /\bquesto e un messaggio (?:automatico|generato automaticamente)\b/,
    /\bsi prega di non rispondere\b/,
    /\bquesta (?:casella|e-?mail|email|mail)[^.\n]{0,30}non e (?:monitorata|presidiata)\b/,
  ),
  ...phrases(
    'nl',
    /\bdit is een (?:automatisch(?: gegenereerd)?|geautomatiseerd) (?:bericht|antwoord|e-?mailbericht|e-?mail)\b/,
    /\bgelieve niet te antwoorden\b|\bu kunt niet reageren op dit\b/,
    /\bdeze mailbox wordt niet (?:gelezen|gecontroleerd|bewaakt)\b/,
  ),
];

/** "We received your request" — automatic only together with a ticket number. */
export const RECEIVED_CONFIRMATIONS: Phrase[] = [
  ...phrases('en', /\b(?:we|i) (?:have )?(?:received|got) your (?:e-?mail|message|request|inquiry|enquiry)\b/),
  ...phrases('fr', /\bnous avons (?:bien )?recu votre (?:message|demande|e-?mail|courriel)\b/),
  ...phrases('de', /\bwir haben ihre (?:nachricht|anfrage|e-?mail) (?:erhalten|empfangen)\b/),
  ...phrases('es', /\bhemos recibido (?:su|tu) (?:mensaje|correo|solicitud|consulta|email)\b/),
  ...phrases('pt', /\brecebemos (?:a )?(?:sua|tua) (?:mensagem|solicitacao|e-?mail|pedido)\b/),
  ...phrases('it', /\babbiamo ricevuto (?:la sua|il suo|la tua|il tuo) (?:messaggio|richiesta|e-?mail|mail)\b/),
  ...phrases('nl', /\b(?:wij hebben|we hebben) (?:uw|je|jouw) (?:bericht|aanvraag|e-?mail|verzoek) (?:goed )?ontvangen\b/),
];

export const TICKET_NUMBER =
  /\b(?:ticket|case|request|reference|referencia|protocolo|numero|nummer|dossier|pratica|caso|anfrage)\b[^\n]{0,20}?[#:]\s*[a-z]{0,5}-?\d{3,}|#\d{4,}/;

/** Subjects mail clients give automatic replies. */
export const AUTO_SUBJECT =
  /^(?:\[?(?:automatic reply|auto(?:matic)?[- ]?reply|autoreply|auto[- ]?response|out of (?:the )?office|abwesenheitsnotiz|automatische antwort|reponse automatique|message d'absence|respuesta automatica|mensaje de ausencia|fuera de la oficina|resposta automatica|fora do escritorio|risposta automatica|messaggio di assenza|fuori ufficio|automatisch antwoord|afwezigheidsbericht)\b)/;

/** Non-delivery report subjects. */
export const BOUNCE_SUBJECT =
  /^(?:(?:fwd?|tr|wg|rv|enc|i): )?(?:delivery status notification \(failure\)|undeliverable|undelivered mail|mail delivery failed|returned mail|delivery (?:has )?failed|failure notice|delivery failure|message not delivered|non-?delivery|unzustellbar|nicht zustellbar|non remis|non distribuable|echec de (?:la )?(?:remise|distribution)|no se puede entregar|no entregado|error de entrega|no se ha podido entregar|nao entregue|nao foi possivel entregar|falha na entrega|non recapitabile|mancato recapito|impossibile recapitare|onbestelbaar|niet afgeleverd|kan niet worden bezorgd)/;

/** A delivery that is only late: an automatic notice, not a bounce. */
export const DELAY_SUBJECT = /^(?:delivery status notification \(delay\)|delivery delayed|warning: message [^\n]* delayed|zustellung verzogert)/;

/** Report senders: `mailer-daemon@`, `postmaster+tag@`, `bounces@`… or a "Mail Delivery Subsystem" display name. */
export const BOUNCE_SENDER = /(?:^|<|\s)(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon|bounces?)(?:\+[^@\s]*)?@|\bmail delivery (?:subsystem|system)\b/;

/** What a non-delivery report body says. */
export const BOUNCE_BODY_SIGNALS = [
  /\bdelivery to the following recipients? (?:failed|has failed|was unsuccessful)/,
  /\bthe (?:e-?mail )?account that you tried to reach does not exist\b/,
  /\b(?:address|recipient|user) (?:not found|unknown)\b/,
  /\b(?:mailbox|recipient address|recipient) (?:unavailable|rejected|not found|does not exist|is full)\b/,
  /\b(?:message|mail|e-?mail) (?:could not|couldn't|wasn't|was not|cannot) be delivered\b/,
  /\byour message (?:wasn't|was not|couldn't be|could not be) delivered\b/,
  /\b55[0-4][ -]#?5\.\d\.\d{1,3}\b/,
  /\bthis is the mail system at host\b/,
  /\bpermanent (?:error|failure|fatal error)\b/,
  /\bfinal-recipient:/,
  /\baction: failed\b/,
  /\bdiagnostic-code:/,
  /\b(?:die|ihre) nachricht (?:konnte nicht|wurde nicht) (?:zugestellt|ubermittelt)/,
  /\bvotre message n'a pas (?:pu etre|ete) (?:remis|distribue|delivre)/,
  /\b(?:no se ha podido|no se pudo) entregar (?:el|su|tu) mensaje\b|\bsu mensaje no se ha entregado\b/,
  /\b(?:sua|a) mensagem nao (?:pode ser|foi|pode) entregue\b/,
  /\b(?:il )?(?:suo |tuo )?messaggio non (?:e stato|puo essere) recapitato\b/,
  /\b(?:uw|je) bericht (?:kan|kon) niet (?:worden )?(?:bezorgd|afgeleverd)\b/,
];
