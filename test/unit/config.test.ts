import { ConfigError, loadConfig } from '../../runtime/config';
import { assertSchemaName, InvalidSchemaNameError, q } from '../../runtime/db/identifier';

describe('configuration from the environment', () => {
  it('starts with sensible defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ schema: 'sequencer', jobsSchema: 'sequencer_jobs', host: '127.0.0.1', port: 3000, dryRun: false, logLevel: 'info' });
    expect(c.databaseUrl).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc', /PORT: expected a port number/],
    ['PORT', '70000', /PORT: expected a port between 1 and 65535/],
    ['SEQUENCER_SCHEMA', 'Acme-Corp', /SEQUENCER_SCHEMA: expected a plain lower-case identifier/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL: expected a postgres:\/\/ connection URL/],
    ['SEQUENCER_DRY_RUN', 'maybe', /SEQUENCER_DRY_RUN: expected true or false/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
    ['SEQUENCER_API_TOKEN', 'short', /SEQUENCER_API_TOKEN: expected at least 16 characters/],
    ['OPENAI_BASE_URL', 'not a url', /OPENAI_BASE_URL: expected an absolute http\(s\) URL/],
  ])('%s=%s is refused with a message naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('needs both UniPile settings or neither', () => {
    expect(() => loadConfig({ UNIPILE_DSN: 'api1.unipile.com:13111' })).toThrow(/UNIPILE_DSN and UNIPILE_API_KEY/);
    expect(loadConfig({ UNIPILE_DSN: 'api1.unipile.com:13111', UNIPILE_API_KEY: 'k' }).unipile).toEqual({ dsn: 'api1.unipile.com:13111', apiKey: 'k' });
  });

  it('treats empty variables as unset and parses flags', () => {
    expect(loadConfig({ PORT: '', SEQUENCER_DRY_RUN: '1', SEQUENCER_SCHEMA: 'acme' })).toMatchObject({ port: 3000, dryRun: true, schema: 'acme', jobsSchema: 'acme_jobs' });
  });
});

describe('schema identifiers', () => {
  it.each(['sequencer', 'acme', '_x1', 'client_42'])('accepts %s', (name) => {
    expect(() => assertSchemaName(name)).not.toThrow();
    expect(q(name)).toBe(`"${name}"`);
  });

  it.each(['', 'Acme', 'acme; drop table x', 'a"b', '1abc', 'pg_catalog', 'acme-corp'])('refuses %j before any SQL', (name) => {
    expect(() => assertSchemaName(name)).toThrow(InvalidSchemaNameError);
    expect(() => q(name)).toThrow(InvalidSchemaNameError);
  });

  it('keeps schema names short enough for the pg-boss schema beside them', () => {
    expect(() => assertSchemaName('x'.repeat(40))).not.toThrow();
    expect(() => assertSchemaName('x'.repeat(41))).toThrow(InvalidSchemaNameError);
  });
});
