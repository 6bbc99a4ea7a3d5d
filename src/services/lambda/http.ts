/**
 * What Lambda serves on Drydock's port outside the AWS API, under `/_lambda/`: the code download
 * link GetFunction answers with (`Code.Location`, a link signed for ten minutes, as AWS's presigned
 * S3 URL is), and function URLs (urls.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../../protocol/types.js';
import type { LambdaContext } from './common.js';
import type { VersionRow } from './store.js';
import { FUNCTION_URL_PATH, serveFunctionUrl } from './urls.js';

export const HTTP_PREFIX = '/_lambda/';
const CODE_PATH = `${HTTP_PREFIX}code/`;
const CODE_LINK_MS = 10 * 60_000;

interface CodeToken {
  account: string;
  region: string;
  name: string;
  version: string;
  expires: number;
}

function sign(c: LambdaContext, body: string): string {
  return createHmac('sha256', c.signingKey).update(body).digest('base64url');
}

/** A link to download the version's deployment package, valid for ten minutes of Drydock time. */
export function codeLocation(c: LambdaContext, ctx: Pick<RequestContext, 'endpoint'>, row: VersionRow): string {
  const token: CodeToken = { account: row.account, region: row.region, name: row.name, version: row.version, expires: c.rt.clock.now() + CODE_LINK_MS };
  const body = Buffer.from(JSON.stringify(token)).toString('base64url');
  return `${ctx.endpoint}${CODE_PATH}${body}.${sign(c, body)}`;
}

function readToken(c: LambdaContext, text: string): CodeToken | undefined {
  const [body, signature] = text.split('.');
  if (!body || !signature) return undefined;
  const expected = Buffer.from(sign(c, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  const token = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as CodeToken;
  return token.expires >= c.rt.clock.now() ? token : undefined;
}

function sendXmlError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function serveCode(c: LambdaContext, req: IncomingMessage, res: ServerResponse, tokenText: string): Promise<void> {
  const token = req.method === 'GET' ? readToken(c, tokenText) : undefined;
  const row = token && c.store.getVersion(token, token.name, token.version);
  if (!row?.code_blob) {
    sendXmlError(res, 403, 'AccessDenied', 'Request has expired or the signature does not match');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/zip', 'content-length': row.code_size });
  for await (const chunk of c.rt.store.blobs.stream(row.code_blob)) res.write(chunk);
  res.end();
}

export function lambdaHttpHandler(c: LambdaContext): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path.startsWith(CODE_PATH)) return serveCode(c, req, res, path.slice(CODE_PATH.length));
    if (path.startsWith(FUNCTION_URL_PATH)) return serveFunctionUrl(c, req, res, path.slice(FUNCTION_URL_PATH.length));
    sendXmlError(res, 404, 'NotFound', 'Not Found');
  };
}
