/**
 * The benchmark's HTTP client: SigV4-signed requests over node:http keep-alive connections, doing
 * as little as possible per request so that the figures measure the servers. Requests are signed
 * before a measurement starts (signing costs a few hundred microseconds, as much as a fast server
 * takes to answer); a header signature stays valid for the 15 minutes of allowed clock skew, far
 * longer than a cell runs.
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
  headers: Record<string, string>;
  body?: Buffer;
}

/** What goes on the wire: the request with its SigV4 headers. */
export interface SignedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

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
  const signed = await signerFor(req.service, req.credentials).sign({ method: req.method, protocol: 'http:', hostname: HOST, port, path: req.path, query: {}, headers, body: req.body });
  return { method: req.method, path: req.path, headers: signed.headers, body: req.body };
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
function describeError(errorType: string | string[] | undefined, body: string): string {
  const code = /"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"/.exec(body)?.[1] ?? /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? (typeof errorType === 'string' ? errorType.split(':')[0] : undefined);
  return code ?? body.slice(0, 120);
}
