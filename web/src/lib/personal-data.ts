// Personal data in text bound for the knowledge base: a FAQ is shown to every customer, so the
// customer's name, email, phone or order number must not reach it. Pure functions: what the
// solution form prefills, and what the reviewer is warned about.

export type PersonalDataKind = 'name' | 'email' | 'phone' | 'order_id';
export type PersonalDataHit = { kind: PersonalDataKind; text: string };

export const PERSONAL_DATA_LABEL: Record<PersonalDataKind, string> = {
  name: 'a name',
  email: 'an email address',
  phone: 'a phone number',
  order_id: 'an order number',
};

const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}/gi;
const ORDER_ID = /\bORD-[A-Z0-9-]*\d[A-Z0-9-]*\b/gi;
/** Seven or more digits, with the usual separators; masked numbers (138****1234) too. */
const PHONE = /(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d[\d*\s.-]{5,}\d/g;
// Words that follow a greeting and are not names.
const NOT_NAMES = new Set(['customer', 'customers', 'team', 'there', 'all', 'sir', 'madam', 'support', 'everyone', 'again', 'friend', 'valued', 'user', 'agent', 'i', 'we', 'thanks', 'thank']);
const NAME = "[A-Z][a-z'’-]+(?:\\s+[A-Z][a-z'’-]+)?";
const SALUTATION = new RegExp(`\\b(?:Dear|Hi|Hello|Hey|Good (?:morning|afternoon|evening)|Mr\\.?|Mrs\\.?|Ms\\.?|Miss|Dr\\.?)\\s+(${NAME})`, 'g');
const INTRODUCTION = new RegExp(`\\b(?:[Mm]y name is|[Tt]his is|I am|I'm|I’m)\\s+(${NAME})`, 'g');
const SIGN_OFF = new RegExp(`\\b(?:[Rr]egards|[Tt]hanks|[Cc]heers|[Ss]incerely|[Bb]est)[,!.]?\\s*\\n?\\s*[-–—]?\\s*(${NAME})\\s*$`, 'gm');

function names(text: string): string[] {
  const found: string[] = [];
  for (const re of [SALUTATION, INTRODUCTION, SIGN_OFF]) {
    for (const m of text.matchAll(re)) {
      const name = m[1]!;
      const first = name.split(/\s+/)[0]!.toLowerCase();
      if (!NOT_NAMES.has(first)) found.push(name);
    }
  }
  return found;
}

function phones(text: string): string[] {
  return [...text.matchAll(PHONE)].map((m) => m[0].trim()).filter((p) => (p.match(/[\d*]/g) ?? []).length >= 7 && /\d{3}/.test(p) && !/^\d{4}-\d{2}-\d{2}/.test(p));
}

/** What in `text` looks like personal data, by kind, each text once. */
export function findPersonalData(text: string): PersonalDataHit[] {
  const hits: PersonalDataHit[] = [];
  const add = (kind: PersonalDataKind, found: string[]) => {
    for (const t of found) if (!hits.some((h) => h.kind === kind && h.text === t)) hits.push({ kind, text: t });
  };
  const emails = text.match(EMAIL) ?? [];
  add('email', emails);
  add('order_id', text.match(ORDER_ID) ?? []);
  // Digits inside an email or an order number are not a phone.
  add('phone', phones(text.replace(EMAIL, ' ').replace(ORDER_ID, ' ')));
  add('name', names(text));
  return hits;
}

function tidy(text: string): string {
  return text
    .replace(/[ \t]+/g, ' ')
    .replace(/ +([,.!?;:])/g, '$1')
    .replace(/([,;:])(?=[.!?])/g, '')
    .replace(/\n{3,}/g, '\n\n')
    .split('\n')
    .map((l) => l.trim())
    .join('\n')
    .trim()
    // A sentence that now starts in lower case (its subject was removed) gets its capital back.
    .replace(/(^|[.!?]\s+)([a-z])/g, (_m, lead: string, c: string) => lead + c.toUpperCase());
}

/** Order numbers become "the order" words of the speaker; emails and phones go. */
function withoutReferences(text: string, owner: 'my' | 'your'): string {
  return text
    .replace(/\b((?:my|the|your|this|that|an?)\s+)?(?:order\s+(?:number\s+|no\.?\s*|#\s*)?)?ORD-[A-Z0-9-]*\d[A-Z0-9-]*\b/gi, (_m, det: string | undefined) => `${det ?? `${owner} `}order`)
    .replace(EMAIL, '')
    .replace(PHONE, (m) => ((m.match(/[\d*]/g) ?? []).length >= 7 ? '' : m));
}

const GREETING = /^\s*(?:(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^,.!?\n]{0,30}[,.!?]*\s*|(?:hi|hello|hey)\s*[,.!]?\s*$)/i;
const ASKS_FOR_A_HUMAN = /[^.!?]*\b(?:a human|real person|an agent|human agent|transfer me|speak to (?:someone|a person))\b[^.!?]*[.!?]?/gi;
const CUSTOMER_INTRODUCTION = /\b(?:[Mm]y name is|[Tt]his is|I am|I'm|I’m)\s+[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?\s*[,.!]?/g;

/**
 * The customer's question in their own words, for the FAQ: their messages without greetings,
 * introductions, the request for a human, order numbers, emails and phones.
 */
export function customerQuestion(history: { author: string; content: string }[]): string {
  const parts: string[] = [];
  for (const m of history) {
    if (m.author !== 'customer') continue;
    // A sentence giving contact details is not part of the question: it goes whole.
    const sentences = m.content.split(/(?<=[.!?])\s+/);
    const kept = sentences.filter((x) => !findPersonalData(x).some((h) => h.kind === 'email' || h.kind === 'phone')).join(' ');
    const text = tidy(withoutReferences(kept.replace(CUSTOMER_INTRODUCTION, '').replace(ASKS_FOR_A_HUMAN, '').replace(GREETING, ''), 'my'));
    if (text && /[a-z]{3}/i.test(text)) parts.push(text);
  }
  return tidy(parts.join(' ')).slice(0, 500);
}

const AGENT_SALUTATION = /^\s*(?:dear|hi|hello|hey|good (?:morning|afternoon|evening))\b[^\n,.!]{0,40}[,.!]\s*/i;
const AGENT_INTRODUCTION = /^\s*(?:I'm|I’m|I am|This is|My name is|my name is)\s+[A-Z][a-z'’-]+\b[^.!?\n]*[.!?]\s*/;
const CLOSING = /\n?\s*(?:(?:best|kind|warm)?\s*regards|thanks|thank you|cheers|sincerely|best wishes)\b[^\n]*(?:\n[^\n]*)?$/i;
const ANYTHING_ELSE = /\s*(?:is there anything else|anything else i can|let me know if)[^.!?]*[.!?]\s*$/i;

/** The substance of the agent's answer: their last reply without salutation, introduction or sign-off. */
export function answerSubstance(history: { author: string; content: string }[]): string {
  for (let i = history.length - 1; i >= 0; i--) {
    const m = history[i]!;
    if (m.author !== 'agent') continue;
    let text = m.content.replace(AGENT_SALUTATION, '');
    text = text.replace(AGENT_INTRODUCTION, '').replace(CLOSING, '').replace(ANYTHING_ELSE, '');
    const cleaned = tidy(withoutReferences(text, 'your'));
    if (cleaned) return cleaned;
  }
  return '';
}
