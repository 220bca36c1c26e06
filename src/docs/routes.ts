/**
 * GET /docs: the OpenAPI document rendered as one self-contained HTML page
 * (routes with who may call them, parameters, bodies, responses, schemas).
 * Rendered on the server from the same document as /openapi.json: no script,
 * no CDN, nothing fetched at runtime, so it works offline and under a strict
 * Content-Security-Policy. GET /openapi.json serves the document itself.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../auth/access';
import type { GatewayBindings } from '../context';
import { headerComponents } from '../http/openapi';

type Doc = ReturnType<OpenAPIHono['getOpenAPI31Document']>;
type DocConfig = Parameters<OpenAPIHono['getOpenAPI31Document']>[0];
type Json = Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function esc(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A schema as JSON, with `$ref`s turned into links to the schema section. */
function schemaHtml(schema: unknown): string {
  const text = esc(JSON.stringify(schema, null, 2));
  return `<pre>${text.replace(
    /&quot;#\/components\/schemas\/([A-Za-z0-9_.-]+)&quot;/g,
    (_m, name: string) => `<a href="#schema-${esc(name)}">${esc(name)}</a>`,
  )}</pre>`;
}

function accessOf(op: Json): string {
  const declared = op['x-access'];
  if (typeof declared === 'string') return declared;
  return Array.isArray(op.security) && op.security.length ? 'authenticated' : 'public';
}

function parametersHtml(op: Json): string {
  const params = Array.isArray(op.parameters) ? op.parameters.filter(isObject) : [];
  if (!params.length) return '';
  const rows = params
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td>${schemaHtml(p.schema)}</td></tr>`,
    )
    .join('');
  return `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>${rows}</table>`;
}

function contentSchemas(holder: unknown): string {
  if (!isObject(holder) || !isObject(holder.content)) return '';
  return Object.entries(holder.content)
    .map(
      ([type, media]) =>
        `<div><code>${esc(type)}</code>${schemaHtml(isObject(media) ? media.schema : undefined)}</div>`,
    )
    .join('');
}

function operationHtml(path: string, method: string, op: Json): string {
  const body = op.requestBody ? `<h4>Request body</h4>${contentSchemas(op.requestBody)}` : '';
  const responses = isObject(op.responses)
    ? Object.entries(op.responses)
        .map(
          ([status, r]) =>
            `<li><b>${esc(status)}</b> ${esc(isObject(r) ? r.description : '')}${contentSchemas(r)}</li>`,
        )
        .join('')
    : '';
  const access = accessOf(op);
  return `<details id="${esc(`${method}-${path}`)}"><summary><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code> <span class="a ${esc(access)}">${esc(access)}</span> ${esc(op.summary ?? '')}</summary>
${op.description ? `<p>${esc(op.description)}</p>` : ''}${parametersHtml(op)}${body}<h4>Responses</h4><ul>${responses}</ul></details>`;
}

export function renderDocs(doc: Doc): string {
  const paths = isObject(doc.paths) ? doc.paths : {};
  const operations = Object.entries(paths).flatMap(([path, item]) =>
    METHODS.flatMap((m) => {
      const op = isObject(item) ? item[m] : undefined;
      return isObject(op) ? [operationHtml(path, m, op)] : [];
    }),
  );
  const schemas = isObject(doc.components?.schemas) ? doc.components.schemas : {};
  const schemaList = Object.entries(schemas)
    .map(
      ([name, s]) =>
        `<details id="schema-${esc(name)}"><summary><code>${esc(name)}</code></summary>${schemaHtml(s)}</details>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} ${esc(doc.info.version)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
details{border:1px solid #d0d7de;border-radius:6px;margin:.4rem 0;padding:.3rem .7rem}
summary{cursor:pointer}pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:13px;margin:.3rem 0}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.2rem .5rem;vertical-align:top;text-align:left}
.m{display:inline-block;min-width:4.2rem;font-weight:600}.get{color:#0a6}.post{color:#05b}.put,.patch{color:#b70}.delete{color:#c22}
.a{font-size:12px;border-radius:1rem;padding:0 .5rem;background:#eef}.a.public{background:#efe}.a.owner{background:#ffe}.a.admin,.a.operator{background:#fee}
</style></head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(doc.openapi)}). Access: <b>public</b> needs nothing; <b>customer</b> an <code>Authorization: Bearer</code> access token (your own resources); <b>owner</b> a customer's own resource, which admins and the operator may also read; <b>admin</b> a token with the admin role or the operator <code>X-Api-Key</code>; <b>operator</b> the API key only.</p>
<h2>Routes</h2>${operations.join('\n')}
<h2>Schemas</h2>${schemaList}
</body></html>`;
}

export const OPENAPI_CONFIG: DocConfig = {
  openapi: '3.1.0',
  info: {
    title: 'Meridian API',
    version: '1.0.0',
    description:
      'Geo-partitioned commerce backend. Errors are application/problem+json (RFC 9457). Every response carries X-Request-Id. A known path called with a method it does not serve is 405 with Allow; an unknown path is 404.',
  },
};

/**
 * Serves the contract of every route registered on `app` so far: the OpenAPI
 * 3.1 document at GET /openapi.json and its page at GET /docs (rendered once
 * per isolate). Mount it after the routes.
 *
 * @example mountDocs(app)
 */
export function mountDocs(app: OpenAPIHono<GatewayBindings>, config = OPENAPI_CONFIG): void {
  app.openAPIRegistry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Access token from /v1/auth/login, /register or /refresh.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', API_KEY_SCHEME, {
    type: 'apiKey',
    in: 'header',
    name: 'X-Api-Key',
    description: 'Operator API key.',
  });
  for (const { name, header } of headerComponents()) {
    app.openAPIRegistry.registerComponent('headers', name, header);
  }
  app.doc31('/openapi.json', config);
  let page: string | undefined;
  app.get('/docs', (c) => {
    page ??= renderDocs(app.getOpenAPI31Document(config));
    c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    c.header('cache-control', 'public, max-age=300');
    return c.html(page);
  });
}
