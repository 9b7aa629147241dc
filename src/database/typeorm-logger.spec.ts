import { describeQueryError, redactSqlErrorMessage } from './typeorm-logger';

describe('redactSqlErrorMessage', () => {
  it('hides the values Postgres quotes and keeps the identifiers it names', () => {
    expect(redactSqlErrorMessage('invalid input value for enum budget_period: "yearly-secret"')).toBe(
      'invalid input value for enum budget_period: "[redacted]"',
    );
    expect(redactSqlErrorMessage('value "99999999999" is out of range for type integer')).toBe(
      'value "[redacted]" is out of range for type integer',
    );
    expect(redactSqlErrorMessage('duplicate key value violates unique constraint "tenants_name_key"')).toBe(
      'duplicate key value violates unique constraint "tenants_name_key"',
    );
  });

  it('keeps one capped line', () => {
    const message = redactSqlErrorMessage(`a\nb\u0000c ${'x'.repeat(5_000)}`);
    expect(message.startsWith('a b c x')).toBe(true);
    expect(message.length).toBeLessThanOrEqual(300);
  });
});

describe('describeQueryError', () => {
  it('keeps identifier fields of a Postgres error and never its detail', () => {
    const error = Object.assign(new Error('duplicate key value violates unique constraint "k"'), {
      code: '23505',
      constraint: 'k',
      table: 'tenants',
      detail: 'Key (name)=(acme-secret) already exists.',
    });
    const fields = describeQueryError(error, 'INSERT INTO tenants (name)\n   VALUES ($1)');
    expect(fields).toEqual({
      query: 'INSERT INTO tenants (name) VALUES ($1)',
      code: '23505',
      constraint: 'k',
      table: 'tenants',
      error: 'duplicate key value violates unique constraint "k"',
    });
  });
});
