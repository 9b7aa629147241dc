import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';

/**
 * Start-up validation for the routing YAML files. Every problem names the file, the entry and
 * the field, and all problems are reported at once, so a broken catalog is fixed in one pass.
 */
export class RoutingConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid ${file}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'RoutingConfigError';
  }
}

export type Plain = Record<string, unknown>;

/** Reads and parses a YAML file (relative paths resolve against the working directory). */
export function readYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolve(process.cwd(), file), 'utf8');
  } catch (error) {
    throw new RoutingConfigError(file, [`cannot be read: ${(error as Error).message}`]);
  }
  return parseYaml(text, file);
}

export function parseYaml(text: string, file: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new RoutingConfigError(
      file,
      document.errors.map((error) => `YAML syntax error: ${error.message.split('\n')[0]}`),
    );
  }
  return document.toJS() as unknown;
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Collects problems while reading one YAML object. `where` prefixes every message, e.g.
 * "model 'gpt-4o' (models[3])".
 */
export class FieldReader {
  constructor(
    private readonly value: Plain,
    private readonly where: string,
    private readonly problems: string[],
  ) {}

  static of(
    value: unknown,
    where: string,
    problems: string[],
    allowedKeys: readonly string[],
  ): FieldReader | null {
    if (!isPlain(value)) {
      problems.push(`${where}: must be a mapping (got ${describe(value)})`);
      return null;
    }
    for (const key of Object.keys(value)) {
      if (!allowedKeys.includes(key)) problems.push(`${where}: unknown field '${key}'`);
    }
    return new FieldReader(value, where, problems);
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  raw(key: string): unknown {
    return this.value[key];
  }

  fail(key: string, message: string): void {
    this.problems.push(`${this.where}: ${key} ${message}`);
  }

  child(key: string, allowedKeys: readonly string[]): FieldReader | null {
    if (!this.has(key)) {
      this.fail(key, 'is missing');
      return null;
    }
    return FieldReader.of(this.value[key], `${this.where}: ${key}`, this.problems, allowedKeys);
  }

  string(key: string): string | undefined {
    const value = this.value[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    this.fail(
      key,
      value === undefined ? 'is missing' : `must be a non-empty string (got ${describe(value)})`,
    );
    return undefined;
  }

  optionalString(key: string): string | undefined {
    return this.has(key) ? this.string(key) : undefined;
  }

  number(key: string, range: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
    const value = this.value[key];
    if (value === undefined || value === null) {
      this.fail(key, 'is missing');
      return undefined;
    }
    const kind = range.integer ? 'an integer' : 'a number';
    if (typeof value !== 'number' || !Number.isFinite(value) || (range.integer && !Number.isInteger(value))) {
      this.fail(key, `must be ${kind} (got ${describe(value)})`);
      return undefined;
    }
    if (range.min !== undefined && value < range.min) {
      this.fail(key, `must be ≥ ${range.min} (got ${value})`);
      return undefined;
    }
    if (range.max !== undefined && value > range.max) {
      this.fail(key, `must be ≤ ${range.max} (got ${value})`);
      return undefined;
    }
    return value;
  }

  optionalNumber(
    key: string,
    range: { min?: number; max?: number; integer?: boolean } = {},
  ): number | undefined {
    return this.has(key) ? this.number(key, range) : undefined;
  }

  boolean(key: string): boolean | undefined {
    const value = this.value[key];
    if (typeof value === 'boolean') return value;
    this.fail(key, value === undefined ? 'is missing' : `must be true or false (got ${describe(value)})`);
    return undefined;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.value[key];
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.fail(
      key,
      value === undefined ? 'is missing' : `must be one of ${allowed.join(', ')} (got ${describe(value)})`,
    );
    return undefined;
  }

  stringList(key: string): string[] | undefined {
    const value = this.value[key];
    if (Array.isArray(value) && value.every((item) => typeof item === 'string' && item.trim() !== '')) {
      return value.map((item: string) => item.trim());
    }
    this.fail(key, value === undefined ? 'is missing' : `must be a list of strings (got ${describe(value)})`);
    return undefined;
  }

  optionalStringList(key: string): string[] | undefined {
    return this.has(key) ? this.stringList(key) : undefined;
  }
}
