/**
 * The pages a build's and a sandbox's log links (`logs.deepLink`, `logs.s3DeepLink`) point at, where
 * AWS links its console: GET /_drydock/codebuild/builds/<url-encoded build id> and
 * /_drydock/codebuild/sandboxes/<url-encoded sandbox id>, a small HTML page with the run's status,
 * its phases and the tail of its log (`#logs`), reloading itself while the run goes on.
 *
 * Pages are served without credentials, as a browser asks for them: whoever reaches Drydock's port
 * reads them, as they can read the home page. The log is the one the build wrote, secrets masked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { BuildPhase, LogsLocation, SandboxSessionPhase } from '@aws-sdk/client-codebuild';
import { rootPrincipal, type Scope } from '../../../core/accounts.js';
import type { CodeBuildContext } from '../common.js';
import { PAGES_PREFIX } from '../names.js';
import { buildOf } from '../store/build-store.js';
import { sandboxOf } from '../store/sandbox-store.js';

/** How many of the log's last lines a page shows. */
const LOG_TAIL_LINES = 500;
/** How often a page of a run still going reloads itself. */
const REFRESH_SECONDS = 3;

/** What a page shows of a build or a sandbox. */
interface RunView {
  kind: 'Build' | 'Sandbox';
  id: string;
  scope: Scope;
  complete: boolean;
  /** Label → value rows at the top of the page. */
  facts: [string, string | number | undefined][];
  phases: (BuildPhase | SandboxSessionPhase)[];
  logs: LogsLocation | undefined;
}

export function runPagesHandler(c: CodeBuildContext): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const path = (req.url ?? '').split(/[?#]/)[0].slice(PAGES_PREFIX.length);
    const slash = path.indexOf('/');
    const kind = path.slice(0, Math.max(slash, 0));
    const encoded = path.slice(slash + 1);
    if (slash < 0 || (kind !== 'builds' && kind !== 'sandboxes') || encoded === '') {
      return sendText(res, 404, `No page at ${req.url}: pages are ${PAGES_PREFIX}builds/<build id> and ${PAGES_PREFIX}sandboxes/<sandbox id>`);
    }
    let id: string;
    try {
      id = decodeURIComponent(encoded);
    } catch {
      return sendText(res, 400, `Not a URL-encoded id: ${encoded}`);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, `${req.method} is not allowed here: use GET`, { allow: 'GET, HEAD' });
    const view = kind === 'builds' ? buildView(c, id) : sandboxView(c, id);
    if (!view) return sendText(res, 404, `No ${kind === 'builds' ? 'build' : 'sandbox'} with id ${id} on this Drydock`);
    const html = renderPage(view, await logTail(c, view.scope, view.logs, view.complete));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : html);
  };
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function buildView(c: CodeBuildContext, id: string): RunView | undefined {
  const row = c.stores.builds.find(id);
  if (!row) return undefined;
  const build = buildOf(row);
  return {
    kind: 'Build',
    id,
    scope: { account: row.account, region: row.region },
    complete: build.buildComplete === true,
    facts: [
      ['Status', build.buildStatus],
      ['Current phase', build.currentPhase],
      ['Project', build.projectName],
      ['Build number', build.buildNumber],
      ['ARN', build.arn],
      ['Initiator', build.initiator],
      ['Source version', build.resolvedSourceVersion ?? build.sourceVersion],
      ['Started', build.startTime?.toISOString()],
      ['Ended', build.endTime?.toISOString()],
    ],
    phases: build.phases ?? [],
    logs: build.logs,
  };
}

function sandboxView(c: CodeBuildContext, id: string): RunView | undefined {
  const row = c.stores.sandboxes.find(id);
  if (!row) return undefined;
  const sandbox = sandboxOf(row);
  const session = sandbox.currentSession;
  return {
    kind: 'Sandbox',
    id,
    scope: { account: row.account, region: row.region },
    complete: row.complete === 1,
    facts: [
      ['Status', sandbox.status],
      ['Current phase', session?.currentPhase],
      ['Project', sandbox.projectName],
      ['ARN', sandbox.arn],
      ['Session', session?.id],
      ['Requested', sandbox.requestTime?.toISOString()],
      ['Ended', sandbox.endTime?.toISOString()],
    ],
    phases: session?.phases ?? [],
    logs: session?.logs,
  };
}

/** The log's last lines, or why there are none: CloudWatch Logs while the run writes it, else its S3 copy once written. */
async function logTail(c: CodeBuildContext, scope: Scope, logs: LogsLocation | undefined, complete: boolean): Promise<{ source: string; lines?: string[] }> {
  if (logs?.groupName && logs.streamName) {
    const source = `CloudWatch Logs group ${logs.groupName}, stream ${logs.streamName}`;
    try {
      const out = await c.rt.call(
        'logs',
        'GetLogEvents',
        { logGroupName: logs.groupName, logStreamName: logs.streamName, limit: LOG_TAIL_LINES, startFromHead: false },
        { principal: rootPrincipal(scope.account, ''), region: scope.region },
      );
      return { source, lines: (out.events ?? []).map((event) => event.message ?? '') };
    } catch {
      // No stream yet (the run has not started writing), or it was deleted.
      return { source: `${source}: no log there` };
    }
  }
  const s3 = logs?.s3LogsArn?.split(':::')[1];
  if (!s3) return { source: 'No log: CloudWatch Logs and S3 logs are both disabled' };
  const slash = s3.indexOf('/');
  const [bucket, key] = [s3.slice(0, slash), s3.slice(slash + 1)];
  const source = `S3 object s3://${bucket}/${key}`;
  if (!complete) return { source: `${source}, written when the run ends` };
  try {
    const object = c.rt.api('s3').getObject({ account: scope.account, region: scope.region }, bucket, key);
    const chunks: Buffer[] = [];
    for await (const chunk of object.body) chunks.push(chunk as Buffer);
    return { source, lines: gunzipSync(Buffer.concat(chunks)).toString('utf8').replace(/\n$/, '').split('\n').slice(-LOG_TAIL_LINES) };
  } catch {
    return { source: `${source}: not there` };
  }
}

function escapeHtml(text: string | number | undefined): string {
  return String(text ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function renderPage(view: RunView, log: { source: string; lines?: string[] }): string {
  const facts = view.facts
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('');
  const phases = view.phases
    .map((phase) => {
      const context = (phase.contexts ?? []).map((ctx) => [ctx.statusCode, ctx.message].filter(Boolean).join(': ')).join('; ');
      return `<tr><td>${escapeHtml(phase.phaseType)}</td><td>${escapeHtml(phase.phaseStatus ?? 'IN_PROGRESS')}</td><td>${escapeHtml(phase.startTime?.toISOString())}</td><td>${escapeHtml(phase.durationInSeconds)}</td><td>${escapeHtml(context)}</td></tr>`;
    })
    .join('');
  const shown = log.lines ? ` (last ${log.lines.length} lines)` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${view.kind} ${escapeHtml(view.id)} · Drydock</title>
${view.complete ? '' : `<meta http-equiv="refresh" content="${REFRESH_SECONDS}">`}
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}pre{background:#f4f4f4;padding:1em;overflow-x:auto}</style></head>
<body><h1>${view.kind} <code>${escapeHtml(view.id)}</code></h1>
<dl>${facts}</dl>
<h2>Phases</h2>
<table><tr><th>Phase</th><th>Status</th><th>Started</th><th>Seconds</th><th>Context</th></tr>${phases}</table>
<h2 id="logs">Log</h2>
<p>${escapeHtml(log.source)}${escapeHtml(shown)}</p>
${log.lines ? `<pre>${escapeHtml(log.lines.join('\n'))}</pre>` : ''}
</body></html>
`;
}
