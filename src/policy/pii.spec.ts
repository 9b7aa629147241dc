import { ErrorCode, GatewayError } from '../common/errors';
import { findPii, PII_KINDS, PII_MAX_SCAN_CHARS, PiiKind, piiScanBudget, redactPii } from './pii';

const ALL = new Set<PiiKind>(PII_KINDS);

describe('PII detection', () => {
  it.each<[string, PiiKind]>([
    ['write to jane.doe+work@example.co.uk today', 'email'],
    ['my card is 4111 1111 1111 1111, exp 12/29', 'credit_card'],
    ['card 5500-0000-0000-0004', 'credit_card'],
    ['SSN 123-45-6789 on file', 'ssn'],
    ['pay to DE89 3704 0044 0532 0130 00 please', 'iban'],
    ['server at 192.168.10.254 is down', 'ipv4'],
    ['call me at +1 (415) 555-2671 tomorrow', 'phone'],
    ['ring 020 7946 0958', 'phone'],
    ['use key sk-proj-abcdefghijklmnopqrstuvwxyz123456', 'secret'],
    ['AWS AKIAIOSFODNN7EXAMPLE leaked', 'secret'],
    ['OPENAI_API_KEY=sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789', 'secret'],
    [
      'token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'secret',
    ],
    ['gh token ghp_abcdefghijklmnopqrstuvwxyz0123456789AB', 'secret'],
  ])('finds %s as %s', (text, kind) => {
    expect(findPii(text, ALL).map((finding) => finding.kind)).toContain(kind);
  });

  it.each([
    'order 4111 1111 1111 1112 failed', // fails Luhn
    'version 1.2.3.4 and 999.1.1.1', // 999 is no octet; 1.2.3.4 is an IP though — see next test
    'IBAN-like DE00 0000 0000 0000 0000 00', // fails mod 97
    'the year 2024 had 365 days',
    'SSN-shaped 000-12-3456 is invalid',
  ])('ignores look-alikes: %s', (text) => {
    const kinds = findPii(text, new Set<PiiKind>(['credit_card', 'iban', 'ssn', 'phone']));
    expect(kinds).toEqual([]);
  });

  it('only reports the kinds asked for', () => {
    expect(findPii('a@b.io and 123-45-6789', new Set<PiiKind>(['ssn'])).map((f) => f.kind)).toEqual(['ssn']);
  });
});

describe('redactPii', () => {
  it('replaces spans with typed placeholders and counts them', () => {
    const result = redactPii('Mail a@b.io or c@d.org, card 4111111111111111.', ALL);
    expect(result.text).toBe('Mail [EMAIL] or [EMAIL], card [CREDIT_CARD].');
    expect(result.counts).toEqual({ email: 2, credit_card: 1 });
  });

  it('returns the text unchanged when there is nothing to redact', () => {
    const text = 'Nothing personal here.';
    expect(redactPii(text, ALL)).toEqual({ text, counts: {} });
  });
});

describe('PII scanning is bounded', () => {
  it.each([
    ['a-', 40_000],
    ['eyJ-', 20_000],
    ['sk-', 30_000],
    ['a@', 40_000],
    ['1-', 40_000],
    ['AB12 ', 20_000],
  ])('finds nothing in the adversarial %j ×%i (these backtracked for seconds)', (unit, times) => {
    expect(findPii(unit.repeat(times), ALL)).toEqual([]);
  });

  it('redacts tens of thousands of spans in one pass', () => {
    const text = 'mail a@b.io or call 415-555-2671. '.repeat(5_000);
    const result = redactPii(text, ALL);
    expect(result.counts).toEqual({ email: 5_000, phone: 5_000 });
    expect(result.text).not.toContain('@');
  });

  it('refuses (413) a text longer than the scan limit instead of forwarding it unscreened', () => {
    const text = 'x'.repeat(PII_MAX_SCAN_CHARS + 1);
    const error = (() => {
      try {
        redactPii(text, ALL);
      } catch (thrown) {
        return thrown as GatewayError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: ErrorCode.PayloadTooLarge, status: 413, param: 'messages' });
    expect(redactPii('x'.repeat(PII_MAX_SCAN_CHARS), ALL).text).toHaveLength(PII_MAX_SCAN_CHARS);
    expect(findPii(text, new Set())).toEqual([]); // nothing to screen, nothing refused
  });

  it('charges one shared budget across the texts of a request', () => {
    const budget = piiScanBudget(100);
    redactPii('a'.repeat(60), ALL, budget);
    expect(budget.charsLeft).toBe(40);
    expect(() => redactPii('b'.repeat(41), ALL, budget)).toThrow(GatewayError);
  });
});
