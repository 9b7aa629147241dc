import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, environmentVariableNames, loadAppConfig } from './app-config';

describe('.env.example', () => {
  const text = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
  const documented = new Set([...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]));

  it('documents every variable the configuration reads', () => {
    const missing = environmentVariableNames().filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });

  it('lists no variable the configuration does not know', () => {
    const known = new Set(environmentVariableNames());
    expect([...documented].filter((name) => !known.has(name))).toEqual([]);
  });

  it('is itself a valid configuration', () => {
    const env = Object.fromEntries([...text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    expect(() => loadAppConfig(env)).not.toThrow(ConfigError);
  });
});
