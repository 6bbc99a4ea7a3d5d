/**
 * What a browser or curl sees at Drydock's address instead of S3's AccessDenied: a short page
 * saying what runs there (version, endpoint), which services it serves and how far (operation
 * counts from their models), and how to point the aws CLI and the SDKs at it; and
 * `/_drydock/coverage`, every operation of each served service, implemented or not (what
 * docs/coverage.md says, from the running server). Self-contained HTML: every value escaped, no
 * script, no external asset.
 */
import type { IncomingMessage } from 'node:http';
import { DEFAULT_ACCESS_KEY, DEFAULT_REGION, DEFAULT_SECRET_KEY } from '../core/accounts.js';
import type { HttpRequest } from '../protocol/types.js';
import type { ServiceDefinition } from '../services/contracts.js';

export const COVERAGE_PATH = '/_drydock/coverage';

/** A served service's operations, split by whether Drydock implements them. */
export interface ServiceOperations {
  name: string;
  fullName: string;
  implemented: string[];
  missing: string[];
}

export function serviceOperations(definitions: ServiceDefinition[], handlerNames: (service: string) => string[]): ServiceOperations[] {
  return definitions.map((def) => {
    const handled = new Set(handlerNames(def.name));
    const operations = [...def.model.operations.keys()].sort();
    return {
      name: def.name,
      fullName: def.model.metadata.serviceFullName,
      implemented: operations.filter((op) => handled.has(op)),
      missing: operations.filter((op) => !handled.has(op)),
    };
  });
}

/**
 * Whether a request is a person looking at Drydock's address: an unsigned GET of `/` from a client
 * that accepts HTML or anything (browsers, curl). Signed requests there are S3 ListBuckets, and an
 * SDK's anonymous one (no Accept header) keeps S3's AccessDenied. `bucketFromHost` is the catch-all
 * service's rewrite (S3 reads a bucket from `<bucket>.s3.localhost`): such a `/` is the bucket's.
 */
export function isHomePageRequest(req: IncomingMessage, bucketFromHost: ((req: HttpRequest) => void) | undefined): boolean {
  if (req.url !== '/' || (req.method !== 'GET' && req.method !== 'HEAD') || req.headers.authorization) return false;
  const accept = req.headers.accept ?? '';
  if (!accept.includes('text/html') && !accept.includes('*/*')) return false;
  if (!bucketFromHost) return true;
  const probe: HttpRequest = { method: 'GET', path: '/', rawQuery: '', query: [], headers: { host: req.headers.host ?? '' }, body: Buffer.alloc(0) };
  bucketFromHost(probe);
  return probe.path === '/';
}

export function homePage(page: { version: string; endpoint: string; services: ServiceOperations[] }): string {
  const endpoint = escapeHtml(page.endpoint);
  const rows = page.services.map((s) => {
    const total = s.implemented.length + s.missing.length;
    return `<tr><td><a href="${COVERAGE_PATH}#${escapeHtml(s.name)}">${escapeHtml(s.fullName)}</a></td><td><code>${escapeHtml(s.name)}</code></td><td class="n">${s.implemented.length} of ${total}</td></tr>`;
  });
  return layout(
    `Drydock ${page.version}`,
    `<p>A local, offline AWS: the aws CLI, the AWS SDKs and git talk to it as they talk to AWS. Endpoint: <code>${endpoint}</code></p>
<h2>Services</h2>
<table><thead><tr><th>Service</th><th>Name</th><th>Operations implemented</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
<p>Every other operation, and every other AWS service, answers <code>501 NotImplemented</code>, never a fake success.</p>
<h2>Pointing the aws CLI and the SDKs here</h2>
<pre>export AWS_ENDPOINT_URL=${endpoint}
export AWS_ACCESS_KEY_ID=${DEFAULT_ACCESS_KEY} AWS_SECRET_ACCESS_KEY=${DEFAULT_SECRET_KEY} AWS_DEFAULT_REGION=${DEFAULT_REGION}</pre>
<p>or answer <code>aws configure</code> with access key <code>${DEFAULT_ACCESS_KEY}</code>, secret key <code>${DEFAULT_SECRET_KEY}</code>, region <code>${DEFAULT_REGION}</code>, then
<code>aws configure set endpoint_url ${endpoint}</code> (aws CLI 1.29 / 2.13 or later; older ones take <code>--endpoint-url ${endpoint}</code> on each command).
These are the root user of account 000000000000; a twelve-digit access key id (secret <code>${DEFAULT_SECRET_KEY}</code>) is the root user of that account.
S3 clients: path-style addressing (<code>forcePathStyle: true</code>). Git: <code>git clone ${endpoint}/v1/repos/&lt;repository&gt;</code>.</p>
<p>Health: <a href="/_drydock/health">/_drydock/health</a></p>`,
  );
}

export function coveragePage(page: { version: string; services: ServiceOperations[] }): string {
  const list = (ops: string[]) => (ops.length ? ops.map((op) => `<code>${escapeHtml(op)}</code>`).join(', ') : '<em>none</em>');
  const sections = page.services.map(
    (s) => `<h2 id="${escapeHtml(s.name)}">${escapeHtml(s.fullName)} (<code>${escapeHtml(s.name)}</code>)</h2>
<p><strong>Implemented (${s.implemented.length}):</strong> ${list(s.implemented)}</p>
<p><strong>Not implemented, answering 501 (${s.missing.length}):</strong> ${list(s.missing)}</p>`,
  );
  return layout(`Drydock ${page.version}: operations`, `<p><a href="/">Drydock</a></p>\n${sections.join('\n')}`);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem}code,pre{font:13px ui-monospace,monospace}pre{background:#f3f3f3;padding:.75rem;overflow:auto}table{border-collapse:collapse}th,td{padding:.2rem 1rem .2rem 0;text-align:left}td.n{text-align:right}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}
