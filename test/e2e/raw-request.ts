/**
 * Hand-built HTTP requests, signed (or deliberately mis-signed) with the same SigV4 signer the AWS
 * SDKs use, for tests that need control over every byte: malformed bodies, bad signatures,
 * presigned URLs, odd methods and headers.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../src/protocol/sigv4.js';

export interface RawRequest {
  method?: string;
  /** Path as sent on the wire (already percent-encoded). */
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** SigV4 service name (credential scope); omit with `unsigned`. */
  service: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  signingDate?: Date;
  unsigned?: boolean;
  /** Signs with a x-amz-content-sha256 header (S3 style). */
  signPayloadHeader?: boolean;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** The AWS error code from a JSON, query or S3 error body (or the x-amzn-errortype header). */
  code?: string;
  message?: string;
}

function signer(req: RawRequest): SignatureV4 {
  return new SignatureV4({
    service: req.service,
    region: req.region ?? 'us-east-1',
    credentials: { accessKeyId: req.accessKeyId ?? 'test', secretAccessKey: req.secretAccessKey ?? 'test', sessionToken: req.sessionToken },
    sha256: NodeSha256,
    uriEscapePath: req.service !== 's3',
    applyChecksum: !!req.signPayloadHeader,
  });
}

function target(baseUrl: string) {
  const url = new URL(baseUrl);
  return { hostname: url.hostname, port: Number(url.port), host: url.host };
}

/** A signed request ready to send: method, path, query, headers (Host included), body. */
export async function sign(baseUrl: string, req: RawRequest): Promise<{ method: string; path: string; query: Record<string, string>; headers: Record<string, string>; body: string | Buffer }> {
  const { hostname, port, host } = target(baseUrl);
  const body = req.body ?? '';
  const headers: Record<string, string> = { host, ...req.headers };
  const base = { method: req.method ?? 'POST', protocol: 'http:', hostname, port, path: req.path ?? '/', query: req.query ?? {}, headers, body };
  if (req.unsigned) return { ...base, headers };
  const signed = await signer(req).sign(base, { signingDate: req.signingDate });
  return { method: base.method, path: base.path, query: signed.query as Record<string, string>, headers: signed.headers, body };
}

/** A presigned URL (query-string auth) for a GET of `path`. */
export async function presign(baseUrl: string, req: RawRequest & { expiresIn?: number }): Promise<string> {
  const { hostname, port, host } = target(baseUrl);
  const presigned = await signer(req).presign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname, port, path: req.path ?? '/', query: req.query ?? {}, headers: { host } },
    { signingDate: req.signingDate, expiresIn: req.expiresIn },
  );
  return `${baseUrl}${presigned.path}?${new URLSearchParams(presigned.query as Record<string, string>).toString()}`;
}

export function queryString(query: Record<string, string>): string {
  // The signer canonicalizes with RFC 3986 encoding; send the same encoding.
  return Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`)
    .join('&');
}

/** Sends exactly these bytes (no header added but Content-Length when there is a body). */
export function send(baseUrl: string, prepared: { method: string; path: string; query?: Record<string, string>; headers: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  const { hostname, port } = target(baseUrl);
  const qs = queryString(prepared.query ?? {});
  const body = prepared.body ?? '';
  const headers = { ...prepared.headers };
  if (body.length && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length' || h.toLowerCase() === 'transfer-encoding')) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method: prepared.method, path: `${prepared.path}${qs ? `?${qs}` : ''}`, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve(parseResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Signs and sends. */
export async function signedRequest(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  return send(baseUrl, await sign(baseUrl, req));
}

export function parseResponse(status: number, headers: IncomingHttpHeaders, body: Buffer): RawResponse {
  const text = body.toString('utf8');
  let code = typeof headers['x-amzn-errortype'] === 'string' ? headers['x-amzn-errortype'].split(':')[0] : undefined;
  let message: string | undefined;
  if (text.startsWith('{')) {
    try {
      const doc = JSON.parse(text) as Record<string, unknown>;
      code ??= typeof doc.__type === 'string' ? doc.__type.split('#').pop() : undefined;
      message = (doc.message ?? doc.Message) as string | undefined;
    } catch {
      // not JSON after all: leave code/message from headers
    }
  } else if (text.includes('<Code>')) {
    code ??= /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    const raw = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
    message = raw?.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name]!);
  }
  return { status, headers, body, text, code, message };
}

/** Wraps the common shapes of AWS requests. */
export const requests = {
  json(service: string, targetPrefix: string, operation: string, body: unknown, version = '1.1', extra: Partial<RawRequest> = {}): RawRequest {
    return {
      service,
      headers: { 'content-type': `application/x-amz-json-${version}`, 'x-amz-target': `${targetPrefix}.${operation}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...extra,
    };
  },
  query(service: string, action: string, version: string, params: Record<string, string> = {}, extra: Partial<RawRequest> = {}): RawRequest {
    return {
      service,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams({ Action: action, Version: version, ...params }).toString(),
      ...extra,
    };
  },
};
