import { apiRoutes } from '../../runtime/server/api';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** JSON as it came over the wire, with ISO times back to Dates (what the response schemas describe). */
function revive(value: unknown): unknown {
  if (typeof value === 'string' && ISO_TIME.test(value)) return new Date(value);
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  return value;
}

/**
 * Asserts that a success body matches the response schema the OpenAPI document publishes for
 * `method path` (path as declared, e.g. `/sequences/:key`), so the document cannot drift from the answers.
 */
export function expectDocumented(method: string, path: string, body: unknown): void {
  const route = apiRoutes.find((r) => r.method === method.toLowerCase() && r.path === path);
  if (!route?.response) throw new Error(`no documented response for ${method} ${path}`);
  const parsed = route.response.safeParse(revive(body));
  if (!parsed.success) throw new Error(`${method} ${path} answered outside its documented schema: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`);
  const undocumented = strippedKeys(revive(body), parsed.data);
  if (undocumented.length) throw new Error(`${method} ${path} answered fields its documented schema does not list: ${undocumented.join(', ')}`);
}

/** Keys the schema dropped while parsing (zod objects strip unknown keys): fields the document does not mention. */
function strippedKeys(input: unknown, output: unknown, at = ''): string[] {
  if (Array.isArray(input) && Array.isArray(output)) return input.flatMap((v, i) => strippedKeys(v, output[i], `${at}[${i}]`));
  if (!input || typeof input !== 'object' || input instanceof Date || !output || typeof output !== 'object') return [];
  return Object.entries(input).flatMap(([k, v]) => (k in output ? strippedKeys(v, (output as Record<string, unknown>)[k], `${at}.${k}`) : [`${at}.${k}`]));
}
