/**
 * SigV4-signed requests for the benchmark: signed with `@smithy/signature-v4` (as the SDKs sign,
 * independently of the server's own verifier) before a run starts, a header signature staying
 * valid for the 15 minutes of allowed clock skew; written out raw for wrk (wrk.ts), or sent one at
 * a time over node:http for set-up, probes and start-up polling, where speed does not matter.
 */
import { type Agent, request as httpRequest } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../src/protocol/sigv4.js';

/** Benchmark traffic never leaves the machine. */
export const HOST = '127.0.0.1';
const REGION = 'us-east-1';
// Drydock's default root credentials; moto accepts any.
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface BenchRequest {
  /** SigV4 signing name: ssm, s3, logs, sts. */
  service: string;
  /** Who signs it; Drydock's root credentials `test`/`test` when omitted. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  method: 'GET' | 'PUT' | 'POST';
  /** Path without a query string. */
  path: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
  body?: Buffer;
}

/** What goes on the wire: the request with its SigV4 headers. */
export interface SignedRequest {
  method: string;
  /** Path and query string, encoded. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** STS GetCallerIdentity: answered by every server the bench starts, changes nothing. */
export const CALLER_IDENTITY: BenchRequest = {
  service: 'sts',
  method: 'POST',
  path: '/',
  headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  body: Buffer.from('Action=GetCallerIdentity&Version=2011-06-15'),
};

export interface Answer {
  status: number;
  /** Response body bytes received. */
  bytes: number;
  /** From the request being handed to the socket to the last response byte. */
  ms: number;
  /** What went wrong, for a non-2xx answer: its AWS error code, or the start of its body. */
  error?: string;
}

const signers = new Map<string, SignatureV4>();
function signerFor(service: string, credentials = CREDENTIALS): SignatureV4 {
  const key = `${service}/${credentials.accessKeyId}`;
  let signer = signers.get(key);
  if (!signer) {
    // S3 signs the path as sent and always carries x-amz-content-sha256, as the SDK's S3 client does.
    const s3 = service === 's3';
    signer = new SignatureV4({ service, region: REGION, credentials, sha256: NodeSha256, uriEscapePath: !s3, applyChecksum: s3 });
    signers.set(key, signer);
  }
  return signer;
}

export async function sign(port: number, req: BenchRequest): Promise<SignedRequest> {
  const headers: Record<string, string> = { ...req.headers, host: `${HOST}:${port}` };
  if (req.body) headers['content-length'] = String(req.body.length);
  const query = req.query ?? {};
  const signed = await signerFor(req.service, req.credentials).sign({ method: req.method, protocol: 'http:', hostname: HOST, port, path: req.path, query, headers, body: req.body });
  const queryString = Object.entries(query)
    .map(([name, value]) => `${uriEscape(name)}=${uriEscape(value)}`)
    .join('&');
  return { method: req.method, path: queryString ? `${req.path}?${queryString}` : req.path, headers: signed.headers, body: req.body };
}

/** SigV4's URI encoding: everything but the unreserved characters. */
function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The request as the bytes of an HTTP/1.1 request (keep-alive is HTTP/1.1's default). */
export function rawRequest(req: SignedRequest): Buffer {
  let head = `${req.method} ${req.path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(req.headers)) head += `${name}: ${value}\r\n`;
  head += '\r\n';
  return req.body ? Buffer.concat([Buffer.from(head), req.body]) : Buffer.from(head);
}

export function send(port: number, agent: Agent, req: SignedRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const outgoing = httpRequest({ agent, host: HOST, port, method: req.method, path: req.path, headers: req.headers }, (res) => {
      const status = res.statusCode ?? 0;
      const failed = status < 200 || status >= 300;
      const kept: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (failed && bytes <= 4096) kept.push(chunk);
      });
      res.on('end', () => {
        const ms = performance.now() - started;
        resolve({ status, bytes, ms, error: failed ? describeError(res.headers['x-amzn-errortype'], Buffer.concat(kept).toString('utf8')) : undefined });
      });
      res.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/** The AWS error code of a failed answer: JSON `__type`, XML `<Code>` or the error-type header. */
export function describeError(errorType: string | string[] | undefined, body: string): string {
  const code = /"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"/.exec(body)?.[1] ?? /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? (typeof errorType === 'string' ? errorType.split(':')[0] : undefined);
  return code ?? body.replace(/\s+/g, ' ').trim().slice(0, 120);
}
