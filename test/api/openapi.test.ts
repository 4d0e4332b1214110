import { apiRoutes } from '../../runtime/server/api';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * The served OpenAPI document lists every route and is a valid OpenAPI 3.1 document. No validator
 * package is installed, so validity is checked structurally: the parts OpenAPI requires, references
 * that resolve, declared path parameters, unique operation ids, and JSON Schema keywords with
 * well-formed values.
 */
let rt: TestRuntime;
let doc: any;
beforeAll(async () => {
  rt = await startTestRuntime();
  const res = await fetch(`${rt.url}/openapi.json`);
  expect(res.status).toBe(200);
  doc = await res.json();
});
afterAll(async () => rt.close());

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ path, method, op })),
  );

const TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'];
const SCHEMA_KEYWORDS = new Set([
  ...['type', 'enum', 'const', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  ...['properties', 'required', 'additionalProperties', 'propertyNames', 'patternProperties', 'minProperties', 'maxProperties'],
  ...['items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems', 'anyOf', 'oneOf', 'allOf', 'not'],
  ...['title', 'description', 'default', 'examples', 'readOnly', 'writeOnly', 'deprecated', '$ref', '$defs', '$id', '$comment'],
]);
const NON_NEGATIVE = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'];

/** Problems of one JSON Schema (2020-12, as OpenAPI 3.1 uses it), with their paths. */
function schemaProblems(schema: unknown, at: string): string[] {
  if (typeof schema === 'boolean') return [];
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return [`${at}: a schema must be an object or a boolean`];
  const s = schema as Record<string, any>;
  const problems: string[] = [];
  for (const key of Object.keys(s)) if (!SCHEMA_KEYWORDS.has(key)) problems.push(`${at}: unknown keyword ${key}`);
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  for (const t of types) if (!TYPES.includes(t)) problems.push(`${at}.type: ${JSON.stringify(t)} is not a JSON type`);
  if (s.enum !== undefined && (!Array.isArray(s.enum) || s.enum.length === 0)) problems.push(`${at}.enum: must be a non-empty array`);
  for (const k of NON_NEGATIVE) if (s[k] !== undefined && !(Number.isInteger(s[k]) && s[k] >= 0)) problems.push(`${at}.${k}: must be a non-negative integer`);
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, 'u');
    } catch {
      problems.push(`${at}.pattern: not a regular expression`);
    }
  }
  if (s.required !== undefined) {
    if (!Array.isArray(s.required) || s.required.some((r: unknown) => typeof r !== 'string')) problems.push(`${at}.required: must be an array of names`);
    else if (s.properties) for (const r of s.required) if (!(r in s.properties)) problems.push(`${at}.required: ${r} is not among the properties`);
  }
  for (const [name, sub] of Object.entries(s.properties ?? {})) problems.push(...schemaProblems(sub, `${at}.properties.${name}`));
  for (const k of ['items', 'additionalProperties', 'propertyNames', 'not']) if (s[k] !== undefined) problems.push(...schemaProblems(s[k], `${at}.${k}`));
  for (const k of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) {
    if (s[k] === undefined) continue;
    if (!Array.isArray(s[k]) || s[k].length === 0) problems.push(`${at}.${k}: must be a non-empty array`);
    else s[k].forEach((sub: unknown, i: number) => problems.push(...schemaProblems(sub, `${at}.${k}[${i}]`)));
  }
  return problems;
}

/** Every `$ref` anywhere in the document, with where it is. */
function refsIn(value: unknown, at = '#'): { at: string; ref: string }[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [{ at, ref: v }] : refsIn(v, `${at}/${k}`)));
}

function resolve(pointer: string): unknown {
  if (!pointer.startsWith('#/')) return undefined;
  return pointer
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<any>((node, key) => (node && typeof node === 'object' ? node[key] : undefined), doc);
}

describe('GET /openapi.json', () => {
  it('lists every API route with its method', () => {
    const documented = new Set(operations().map((o) => `${o.method} ${o.path}`));
    const missing = apiRoutes.map((r) => `${r.method} /api/v1${r.path.replace(/:(\w+)/g, '{$1}')}`).filter((r) => !documented.has(r));
    expect(missing).toEqual([]);
    expect(documented.size).toBe(apiRoutes.length);
  });

  it('has the parts an OpenAPI 3.1 document requires', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(Object.keys(doc.paths).every((p) => p.startsWith('/'))).toBe(true);
    const tags = new Set((doc.tags as { name: string }[]).map((t) => t.name));
    for (const { path, method, op } of operations()) {
      const where = `${method} ${path}`;
      expect([where, Object.keys(op.responses ?? {}).length > 0]).toEqual([where, true]);
      for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
        expect([where, status, /^([1-5]\d\d|[1-5]XX|default)$/.test(status), typeof response.description]).toEqual([where, status, true, 'string']);
      }
      for (const scheme of (op.security ?? []).flatMap((s: object) => Object.keys(s))) expect(doc.components.securitySchemes[scheme]).toBeDefined();
      for (const tag of op.tags ?? []) expect(tags.has(tag)).toBe(true);
    }
  });

  it('documents a request schema for every body and a response schema for every success', () => {
    for (const r of apiRoutes) {
      const op = doc.paths[`/api/v1${r.path.replace(/:(\w+)/g, '{$1}')}`][r.method];
      const success = Object.entries(op.responses as Record<string, any>).find(([status]) => status.startsWith('2'));
      expect([r.method, r.path, Object.keys(success?.[1].content['application/json'].schema ?? {}).length > 0]).toEqual([r.method, r.path, true]);
      if (r.body) expect([r.method, r.path, Object.keys(op.requestBody.content['application/json'].schema).length > 0]).toEqual([r.method, r.path, true]);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401']));
      if (r.idempotent) expect(op.parameters.some((p: { in: string; name: string }) => p.in === 'header' && p.name === 'Idempotency-Key')).toBe(true);
    }
  });

  it('declares every path parameter, and only those', () => {
    for (const { path, method, op } of operations()) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? []).filter((p: { in: string }) => p.in === 'path');
      expect([method, path, declared.map((p: { name: string }) => p.name).sort()]).toEqual([method, path, inPath]);
      expect(declared.every((p: { required: boolean }) => p.required === true)).toBe(true);
      const names = (op.parameters ?? []).map((p: { in: string; name: string }) => `${p.in}:${p.name}`);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('gives every operation a unique operationId', () => {
    const ids = operations().map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[A-Za-z0-9_]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resolves every $ref', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter(({ ref }) => resolve(ref) === undefined)).toEqual([]);
  });

  it('uses well-formed JSON Schemas for parameters, bodies and responses', () => {
    const problems = [
      ...Object.entries(doc.components.schemas as Record<string, unknown>).flatMap(([name, schema]) => schemaProblems(schema, `components.schemas.${name}`)),
      ...operations().flatMap(({ path, method, op }) => [
        ...(op.parameters ?? []).flatMap((p: { name: string; schema: unknown }) => schemaProblems(p.schema, `${method} ${path} parameter ${p.name}`)),
        ...Object.entries(op.requestBody?.content ?? {}).flatMap(([type, c]: [string, any]) => schemaProblems(c.schema, `${method} ${path} body ${type}`)),
        ...Object.entries(op.responses as Record<string, any>).flatMap(([status, r]) =>
          Object.values(r.content ?? {}).flatMap((c: any) => schemaProblems(c.schema, `${method} ${path} ${status}`)),
        ),
      ]),
    ];
    expect(problems).toEqual([]);
  });

  it('is served without the bearer token', async () => {
    expect((await fetch(`${rt.url}/openapi.json`)).status).toBe(200);
  });
});

describe('every API route', () => {
  it('refuses a call without the bearer token with 401 and the JSON error shape', async () => {
    for (const r of apiRoutes) {
      const path = r.path.replace(/:(\w+)/g, (_m, name: string) => (name === 'id' ? '00000000-0000-4000-8000-000000000000' : 'some-key'));
      const res = await fetch(`${rt.url}/api/v1${path}`, { method: r.method.toUpperCase(), headers: { 'content-type': 'application/json' }, body: r.method === 'get' ? undefined : '{}' });
      expect([r.method, r.path, res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([r.method, r.path, 401, 'unauthorized']);
    }
  });
});

describe('GET /docs', () => {
  it('is one self-contained HTML page listing every route', async () => {
    const res = await fetch(`${rt.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    for (const { path, method } of operations()) expect(html).toContain(`${method.toUpperCase()}</span> <code>${path}</code>`);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
  });
});
