/**
 * `GET /docs`: the OpenAPI document as one readable page — every route with its parameters, request
 * body and answers — self-contained (no scripts, no external assets).
 */
interface Operation {
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const code = (text: string) => escape(text).replace(/`([^`]+)`/g, '<code>$1</code>');
const schemaBlock = (label: string, schema: unknown) =>
  `<details><summary>${escape(label)}</summary><pre>${escape(JSON.stringify(schema, null, 2))}</pre></details>`;

function operationHtml(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? [])
    .map((p) => `<tr><td><code>${escape(p.name)}</code></td><td>${p.in}${p.required ? ', required' : ''}</td><td>${code(p.description ?? '')}</td></tr>`)
    .join('');
  const body = op.requestBody ? schemaBlock('Request body', op.requestBody.content['application/json']?.schema) : '';
  const answers = Object.entries(op.responses)
    .map(([status, r]) => (status.startsWith('2') && r.content ? schemaBlock(`${status} ${r.description}`, r.content['application/json']?.schema) : `<div>${status} — ${code(r.description)}</div>`))
    .join('');
  return `<section><h3><span class="m">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3><p>${code(op.summary ?? '')}</p>${
    params ? `<table><tr><th>parameter</th><th>in</th><th></th></tr>${params}</table>` : ''
  }${body}${answers}</section>`;
}

export function docsPage(document: Record<string, unknown>): string {
  const info = document.info as { title: string; version: string; description: string };
  const byTag = new Map<string, string[]>();
  for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, Operation>>)) {
    for (const [method, op] of Object.entries(operations)) {
      const tag = op.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op)]);
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2 id="${escape(tag)}">${escape(tag)}</h2>${ops.join('')}`).join('');
  const toc = [...byTag.keys()].map((tag) => `<a href="#${escape(tag)}">${escape(tag)}</a>`).join(' · ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(info.title)}</title><style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
section{border-top:1px solid #ddd;padding:.5em 0}h3{margin:.3em 0;font-size:1em}.m{display:inline-block;min-width:4.5em;color:#06c}
code,pre{font:13px ui-monospace,monospace}pre{background:#f6f6f6;padding:.6em;overflow:auto}table{border-collapse:collapse}td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}
</style></head><body><h1>${escape(info.title)} <small>${escape(info.version)}</small></h1><p>${code(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). ${toc}</p>${sections}</body></html>`;
}
