import { z } from 'zod/v4';
import type { ApiRoute } from './route';
import { errorSchema } from './route';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: `error.details` lists `{ field, message }` with field paths such as `body.contacts.3.email`',
  401: 'Missing or wrong bearer token',
  404: 'No such resource',
  409: 'Conflict: the resource exists, or its state does not allow this change',
  422: 'The Idempotency-Key was used with another request body',
  503: 'The API is disabled (no SEQUENCER_API_TOKEN) or the runtime is not ready',
};

/** JSON Schema of a zod schema as requests send it (`input`) or responses carry it (`output`); dates are ISO strings. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: (ctx) => {
      if (ctx.zodSchema._zod.def.type === 'date') Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
    },
  }) as Record<string, unknown>;
  return rest;
}

/** `/sequences/:key/stats` → `getSequencesKeyStats`. */
function operationId(r: ApiRoute): string {
  return `${r.method}${r.path.replace(/[/:_-](\w)/g, (_m, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')}`;
}

/** OpenAPI 3.1 from the same zod schemas that validate requests. */
export function openApiDocument(routes: ApiRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorBody = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
  for (const r of routes) {
    const path = `/api/v1${r.path.replace(/:(\w+)/g, '{$1}')}`;
    const parameters: unknown[] = [];
    for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
      if (!schema) continue;
      const s = jsonSchema(schema, 'input') as { properties?: Record<string, { description?: string }>; required?: string[] };
      for (const [name, prop] of Object.entries(s.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || (s.required ?? []).includes(name), schema: prop, ...(prop.description ? { description: prop.description } : {}) });
      }
    }
    if (r.idempotent) {
      parameters.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 }, description: 'A repeat with the same key and body gets the first answer again instead of a second effect' });
    }
    const errors = [...new Set([400, 401, 503, ...(r.idempotent ? [409, 422] : []), ...(r.errors ?? [])])].sort((a, b) => a - b);
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: operationId(r),
      parameters,
      ...(r.body ? { requestBody: { required: !r.body.safeParse(undefined).success, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } } : {}),
      responses: {
        [String(r.status ?? 200)]: { description: 'Success', content: { 'application/json': { schema: r.response ? jsonSchema(r.response, 'output') : {} } } },
        ...Object.fromEntries(errors.map((status) => [String(status), { description: ERROR_DESCRIPTIONS[status] ?? 'Error', content: errorBody }])),
      },
      security: [{ bearer: [] }],
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sequencer runtime API',
      version,
      description: 'Operate sequences, enrollments, contacts, the inbox and accounts. Bearer SEQUENCER_API_TOKEN; errors are `{ error: { code, message, details } }`; lists page with `limit` and `cursor` (`next_cursor`).',
    },
    servers: [{ url: '/' }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    components: { schemas: { Error: jsonSchema(errorSchema, 'output') }, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
