import { ErrorCode, GatewayError } from '../common/errors';

/**
 * PII detection and redaction for the tenant policy (production mode). Pure functions over
 * text. Every detector pairs a pattern with a validity check where one exists (Luhn for card
 * numbers, ISO 7064 mod 97 for IBANs, octet ranges for IPv4), so that order numbers and
 * version strings are not mistaken for PII.
 *
 * Bounded work: every pattern runs in linear time (a match can only start at the beginning of
 * a run of its characters — a lookbehind — and every repetition has an upper bound; checked by
 * recheck in test/hostile/regex-safety.spec.ts), a detector runs only when its cheap hint is
 * in the text, and at most PII_MAX_SCAN_CHARS characters are screened per budget (one request
 * when the caller shares a budget, else one text). A longer text is refused with a 413, never
 * forwarded unscreened.
 */

export const PII_KINDS = ['email', 'phone', 'credit_card', 'ssn', 'iban', 'ipv4', 'secret'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

interface Detector {
  kind: PiiKind;
  pattern: RegExp;
  /** A cheap necessary condition: the pattern is not run on text without it. */
  hint: (text: string) => boolean;
  valid?: (match: string) => boolean;
}

/** Characters screened per budget (≈ 30 ms of pattern work on a busy 2-core machine). */
export const PII_MAX_SCAN_CHARS = 200_000;

/** How much text one request may still have screened (share one across a request's texts). */
export interface PiiScanBudget {
  charsLeft: number;
}

export function piiScanBudget(maxChars = PII_MAX_SCAN_CHARS): PiiScanBudget {
  return { charsLeft: maxChars };
}

const hasDigit = (text: string): boolean => /\d/.test(text);

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
  {
    kind: 'email',
    pattern: /(?<![\w.%+-])[\w.%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}\b/g,
    hint: (text) => text.includes('@'),
  },
  // Keys and tokens with well-known shapes (provider keys, AWS access keys, GitHub tokens, JWTs).
  {
    kind: 'secret',
    pattern:
      /(?<![\w-])(?:sk-(?:ant-|proj-)?[\w-]{20,1024}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,255}|eyJ[\w-]{10,16384}\.[\w-]{10,16384}\.[\w-]{10,16384})(?![\w-])/g,
    hint: (text) => /sk-|AKIA|gh[pousr]_|eyJ/.test(text),
  },
  {
    kind: 'iban',
    pattern: /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b/g,
    hint: hasDigit,
    valid: ibanValid,
  },
  {
    kind: 'credit_card',
    pattern: /\b(?:\d[ -]?){12,18}\d\b/g,
    hint: hasDigit,
    valid: (match) => {
      const digits = match.replace(/[ -]/g, '');
      // Issuer ranges of the card networks start with 2-6 (Mastercard, Amex, Visa, Discover…).
      return digits.length >= 13 && digits.length <= 19 && /^[2-6]/.test(digits) && luhnValid(digits);
    },
  },
  { kind: 'ssn', pattern: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g, hint: hasDigit },
  {
    kind: 'ipv4',
    pattern: /\b(?:\d{1,3}\.){3}\d{1,3}\b/g,
    hint: hasDigit,
    valid: (match) =>
      match.split('.').every((octet) => Number(octet) <= 255 && String(Number(octet)) === octet),
  },
  // International or North-American phone numbers with separators; bare digit runs are not
  // phones, nor are runs of more than three groups (card-like numbers).
  {
    kind: 'phone',
    pattern:
      /(?<![\w.-])(?<!\d[ .-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}(?![\w-])(?![ .]\d)/g,
    hint: hasDigit,
    valid: (match) => {
      const digits = match.replace(/\D/g, '');
      return digits.length >= 9 && digits.length <= 15;
    },
  },
];

/** Exported for the regex-safety test, which checks every pattern in the codebase. */
export const PII_PATTERNS: readonly RegExp[] = DETECTORS.map((detector) => detector.pattern);

function chargeScan(text: string, budget: PiiScanBudget): void {
  if (text.length > budget.charsLeft) {
    throw new GatewayError(
      ErrorCode.PayloadTooLarge,
      `The tenant's PII policy screens at most ${PII_MAX_SCAN_CHARS.toLocaleString('en-US')} characters ` +
        'of text per request; this request has more, so it was not forwarded. Send less text.',
      { param: 'messages' },
    );
  }
  budget.charsLeft -= text.length;
}

export interface PiiFinding {
  kind: PiiKind;
  start: number;
  end: number;
}

/**
 * Every PII span in `text` of the given kinds, left to right, without overlaps. Throws a 413
 * GatewayError when the text exceeds what is left of `budget` (fail closed).
 */
export function findPii(
  text: string,
  kinds: ReadonlySet<PiiKind>,
  budget: PiiScanBudget = piiScanBudget(),
): PiiFinding[] {
  if (kinds.size === 0 || text.length === 0) return [];
  chargeScan(text, budget);
  let findings: PiiFinding[] = [];
  for (const detector of DETECTORS) {
    if (!kinds.has(detector.kind) || !detector.hint(text)) continue;
    findings = withoutOverlaps(findings, matchesOf(detector, text));
  }
  return findings;
}

function matchesOf(detector: Detector, text: string): PiiFinding[] {
  const found: PiiFinding[] = [];
  detector.pattern.lastIndex = 0;
  for (const match of text.matchAll(detector.pattern)) {
    if (detector.valid && !detector.valid(match[0])) continue;
    const start = match.index ?? 0;
    found.push({ kind: detector.kind, start, end: start + match[0].length });
  }
  return found;
}

/**
 * Adds the candidates that overlap nothing already taken (earlier detectors win). Both lists are
 * sorted by start and free of overlaps, so one merge pass does it: linear, however many spans.
 */
function withoutOverlaps(taken: PiiFinding[], candidates: PiiFinding[]): PiiFinding[] {
  const merged: PiiFinding[] = [];
  let i = 0;
  for (const candidate of candidates) {
    while (i < taken.length && taken[i].end <= candidate.start) merged.push(taken[i++]);
    if (i < taken.length && taken[i].start < candidate.end) continue;
    merged.push(candidate);
  }
  while (i < taken.length) merged.push(taken[i++]);
  return merged;
}

export interface Redaction {
  text: string;
  counts: Partial<Record<PiiKind, number>>;
}

/** Replaces each PII span by a typed placeholder such as [EMAIL] or [CREDIT_CARD]. */
export function redactPii(
  text: string,
  kinds: ReadonlySet<PiiKind>,
  budget: PiiScanBudget = piiScanBudget(),
): Redaction {
  const findings = findPii(text, kinds, budget);
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
