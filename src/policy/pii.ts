/**
 * PII detection and redaction for the tenant policy (production mode). Pure functions over
 * text. Every detector pairs a pattern with a validity check where one exists (Luhn for card
 * numbers, ISO 7064 mod 97 for IBANs, octet ranges for IPv4), so that order numbers and
 * version strings are not mistaken for PII.
 */

export const PII_KINDS = ['email', 'phone', 'credit_card', 'ssn', 'iban', 'ipv4', 'secret'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

interface Detector {
  kind: PiiKind;
  pattern: RegExp;
  valid?: (match: string) => boolean;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

function ibanValid(raw: string): boolean {
  const iban = raw.replace(/\s+/g, '').toUpperCase();
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

const DETECTORS: readonly Detector[] = [
  { kind: 'email', pattern: /\b[\w.%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g },
  // Keys and tokens with well-known shapes (provider keys, AWS access keys, GitHub tokens, JWTs).
  {
    kind: 'secret',
    pattern:
      /\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})\b/g,
  },
  {
    kind: 'iban',
    pattern: /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b/g,
    valid: ibanValid,
  },
  {
    kind: 'credit_card',
    pattern: /\b(?:\d[ -]?){12,18}\d\b/g,
    valid: (match) => {
      const digits = match.replace(/[ -]/g, '');
      // Issuer ranges of the card networks start with 2-6 (Mastercard, Amex, Visa, Discover…).
      return digits.length >= 13 && digits.length <= 19 && /^[2-6]/.test(digits) && luhnValid(digits);
    },
  },
  { kind: 'ssn', pattern: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g },
  {
    kind: 'ipv4',
    pattern: /\b(?:\d{1,3}\.){3}\d{1,3}\b/g,
    valid: (match) =>
      match.split('.').every((octet) => Number(octet) <= 255 && String(Number(octet)) === octet),
  },
  // International or North-American phone numbers with separators; bare digit runs are not
  // phones, nor are runs of more than three groups (card-like numbers).
  {
    kind: 'phone',
    pattern:
      /(?<![\w.-])(?<!\d[ .-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}(?![\w-])(?![ .]\d)/g,
    valid: (match) => {
      const digits = match.replace(/\D/g, '');
      return digits.length >= 9 && digits.length <= 15;
    },
  },
];

export interface PiiFinding {
  kind: PiiKind;
  start: number;
  end: number;
}

/** Every PII span in `text` of the given kinds, left to right, without overlaps. */
export function findPii(text: string, kinds: ReadonlySet<PiiKind>): PiiFinding[] {
  const findings: PiiFinding[] = [];
  for (const detector of DETECTORS) {
    if (!kinds.has(detector.kind)) continue;
    detector.pattern.lastIndex = 0;
    for (const match of text.matchAll(detector.pattern)) {
      const start = match.index ?? 0;
      const end = start + match[0].length;
      if (detector.valid && !detector.valid(match[0])) continue;
      if (findings.some((found) => start < found.end && end > found.start)) continue;
      findings.push({ kind: detector.kind, start, end });
    }
  }
  return findings.sort((a, b) => a.start - b.start);
}

export interface Redaction {
  text: string;
  counts: Partial<Record<PiiKind, number>>;
}

/** Replaces each PII span by a typed placeholder such as [EMAIL] or [CREDIT_CARD]. */
export function redactPii(text: string, kinds: ReadonlySet<PiiKind>): Redaction {
  const findings = findPii(text, kinds);
  if (findings.length === 0) return { text, counts: {} };
  const counts: Partial<Record<PiiKind, number>> = {};
  let out = '';
  let cursor = 0;
  for (const finding of findings) {
    out += text.slice(cursor, finding.start) + `[${finding.kind.toUpperCase()}]`;
    cursor = finding.end;
    counts[finding.kind] = (counts[finding.kind] ?? 0) + 1;
  }
  return { text: out + text.slice(cursor), counts };
}
