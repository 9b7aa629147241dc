import fc from 'fast-check';
import { GatewayError } from '../common/errors';
import {
  AUDIT_ENTRY_FIELDS,
  auditCsv,
  auditPageQuery,
  csvField,
  decodeCursor,
  encodeCursor,
  type AuditEntry,
  type AuditFilters,
} from './audit-query';
import { refusalDecision } from './audit-decisions';
import { ErrorCode } from '../common/errors';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

function filters(overrides: Partial<AuditFilters> = {}): AuditFilters {
  return {
    from: null,
    to: null,
    tenantId: null,
    apiKeyId: null,
    decisions: null,
    limit: 100,
    cursor: null,
    ...overrides,
  };
}

describe('auditPageQuery: tenant confinement', () => {
  it('a platform admin (no scope) filters by the tenant asked for, or none', () => {
    expect(auditPageQuery(filters(), null).sql).not.toContain('tenant_id =');
    const asked = auditPageQuery(filters({ tenantId: B }), null);
    expect(asked.sql).toContain('tenant_id = $1::uuid');
    expect(asked.params[0]).toBe(B);
  });

  it('a tenant admin is confined to its tenant whatever tenant filter it sends', () => {
    for (const tenantId of [null, A, B]) {
      const { sql, params } = auditPageQuery(filters({ tenantId }), A);
      expect(sql).toContain('tenant_id = $1::uuid');
      expect(params[0]).toBe(A);
      expect(params).not.toContain(B);
      expect(sql.match(/tenant_id =/g)).toHaveLength(1);
    }
  });

  it('binds every filter as a parameter, caps the limit and fetches one more row', () => {
    const { sql, params } = auditPageQuery(
      filters({
        apiKeyId: B,
        decisions: ['refused_budget', 'admin_change'],
        from: new Date('2026-01-01T00:00:00Z'),
        to: new Date('2026-02-01T00:00:00Z'),
        cursor: { createdUs: 1_767_225_600_000_000, id: 42 },
        limit: 5_000,
      }),
      A,
    );
    expect(params).toEqual([
      A,
      B,
      ['refused_budget', 'admin_change'],
      '2026-01-01T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
      1_767_225_600_000_000,
      42,
      1_001,
    ]);
    expect(sql).toContain('ORDER BY created_at DESC, id DESC');
    expect(sql).not.toMatch(/2026|refused/);
  });
});

describe('audit cursor', () => {
  it('round-trips and refuses anything else with a 400 on cursor', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        (us, id) => {
          expect(decodeCursor(encodeCursor({ createdUs: us, id }))).toEqual({ createdUs: us, id });
        },
      ),
    );
    for (const bad of ['', 'abc', '!!!', Buffer.from('1.x').toString('base64url'), 'A'.repeat(65)]) {
      expect(() => decodeCursor(bad)).toThrow(GatewayError);
      try {
        decodeCursor(bad);
      } catch (error) {
        expect((error as GatewayError).status).toBe(400);
        expect((error as GatewayError).param).toBe('cursor');
      }
    }
  });
});

/** A strict RFC 4180 parser (the test's own), to check what auditCsv writes. */
function parseCsv(input: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (input[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && input[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (c === '"' || c === '\r' || c === '\n') {
      throw new Error(`bare ${JSON.stringify(c)} at ${i}`);
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) throw new Error('no final line break');
  return rows;
}

const text = fc.option(fc.string({ unit: 'grapheme', maxLength: 30 }), { nil: null });
const entry: fc.Arbitrary<AuditEntry> = fc.record({
  id: fc.nat().map(String),
  created_at: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  decision: fc.constantFrom('refused_policy', 'pii_redacted', 'admin_change'),
  tenant_id: text,
  api_key_id: text,
  request_id: text,
  route: text,
  policy_id: text,
  policy_version: fc.option(fc.integer(), { nil: null }),
  model_before: text,
  model_after: text,
  actor: fc.string(),
  action: fc.string(),
  target_type: fc.string(),
  target_id: text,
  details: fc.option(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())), { nil: null }),
});

describe('auditCsv', () => {
  it('writes one record per entry that a strict parser reads back field for field', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
        const rows = parseCsv(auditCsv(entries));
        expect(rows[0]).toEqual([...AUDIT_ENTRY_FIELDS]);
        expect(rows).toHaveLength(entries.length + 1);
        entries.forEach((e, index) => {
          const expected = AUDIT_ENTRY_FIELDS.map((field) => {
            const value = e[field];
            if (value === null) return '';
            const plain = typeof value === 'object' ? JSON.stringify(value) : String(value);
            return typeof value === 'string' && /^[=+\-@\t\r]/.test(plain) ? `'${plain}` : plain;
          });
          expect(rows[index + 1]).toEqual(expected);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('neutralises spreadsheet formulas and quotes separators', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField(null)).toBe('');
    expect(csvField(-3)).toBe('-3');
  });
});

describe('refusalDecision', () => {
  it('maps refusals by code, and a model excluded by the policy only when the caller says so', () => {
    const error = (code: ErrorCode) => new GatewayError(code, 'x');
    expect(refusalDecision(error(ErrorCode.PolicyViolation))).toBe('refused_policy');
    expect(refusalDecision(error(ErrorCode.ContentPolicyViolation))).toBe('refused_safety');
    expect(refusalDecision(error(ErrorCode.BudgetExceeded))).toBe('refused_budget');
    expect(refusalDecision(error(ErrorCode.RateLimited))).toBe('refused_rate_limit');
    expect(refusalDecision(error(ErrorCode.ConcurrencyLimited))).toBe('refused_rate_limit');
    expect(refusalDecision(error(ErrorCode.ModelNotFound))).toBeNull();
    expect(refusalDecision(error(ErrorCode.ModelNotFound), true)).toBe('refused_policy');
    expect(refusalDecision(error(ErrorCode.ProviderUnavailable))).toBeNull();
    expect(refusalDecision(new Error('x'))).toBeNull();
  });
});
