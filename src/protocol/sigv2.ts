/**
 * S3's legacy query-string authentication (Signature Version 2 presigned URLs:
 * `?AWSAccessKeyId=…&Expires=…&Signature=…`). The aws CLI v1 still produces these from
 * `aws s3 presign` in us-east-1, and S3 still accepts them there, so Drydock verifies them too.
 * Only the presigned form: every SDK signs requests themselves with SigV4.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AwsError } from '../core/errors.js';
import type { PipelineErrors } from './dialect.js';
import type { Credential, HttpRequest } from './types.js';

export interface SigV2QueryAuth {
  accessKeyId: string;
  signature: string;
  /** Epoch seconds after which the URL is refused. */
  expires: number;
  sessionToken?: string;
}

/** Query parameters that are part of the signed resource (AWS's list for SigV2). */
const SIGNED_SUBRESOURCES = new Set([
  'acl',
  'cors',
  'delete',
  'lifecycle',
  'location',
  'logging',
  'notification',
  'partNumber',
  'policy',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

/** The SigV2 presigned-URL parameters of a request, or undefined when it has none. */
export function parseSigV2Query(req: HttpRequest): SigV2QueryAuth | undefined {
  let accessKeyId: string | undefined;
  let signature: string | undefined;
  let expires: string | undefined;
  let sessionToken: string | undefined;
  for (const [k, v] of req.query) {
    if (k === 'AWSAccessKeyId') accessKeyId = v;
    else if (k === 'Signature') signature = v;
    else if (k === 'Expires') expires = v;
    else if (k === 'x-amz-security-token') sessionToken = v;
  }
  if (accessKeyId === undefined || signature === undefined) return undefined;
  if (expires === undefined || !/^\d+$/.test(expires)) {
    throw new AwsError('AccessDenied', 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters', { status: 403 });
  }
  return { accessKeyId, signature, expires: Number(expires), sessionToken };
}

/** `HTTP-Verb \n Content-MD5 \n Content-Type \n Expires \n CanonicalizedAmzHeaders CanonicalizedResource`. */
function stringToSign(req: HttpRequest, path: string, expires: number): string {
  const amzHeaders = Object.keys(req.headers)
    .filter((h) => h.startsWith('x-amz-'))
    .sort()
    .map((h) => `${h}:${req.headers[h].trim()}\n`)
    .join('');
  const subresources = req.query
    .filter(([k]) => SIGNED_SUBRESOURCES.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`));
  const resource = subresources.length ? `${path}?${subresources.join('&')}` : path;
  return `${req.method}\n${req.headers['content-md5'] ?? ''}\n${req.headers['content-type'] ?? ''}\n${expires}\n${amzHeaders}${resource}`;
}

/**
 * Checks a SigV2 presigned URL: expiry, then the HMAC-SHA1 over the request as S3 canonicalizes it.
 * `path` is the path as the client signed it (percent-encoded, path-style).
 */
export function verifySigV2Query(req: HttpRequest, path: string, auth: SigV2QueryAuth, credential: Credential, now: number, errors: Pick<PipelineErrors, 'signatureMismatch'>): void {
  if (now > auth.expires * 1000) throw new AwsError('AccessDenied', 'Request has expired', { status: 403, fields: { Expires: new Date(auth.expires * 1000).toISOString() } });
  const expected = createHmac('sha1', credential.secretAccessKey)
    .update(stringToSign(req, path, auth.expires))
    .digest();
  const given = Buffer.from(auth.signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw errors.signatureMismatch();
}
