/**
 * S3's legacy Signature Version 2: presigned URLs (`?AWSAccessKeyId=…&Expires=…&Signature=…`,
 * which the aws CLI v1's `aws s3 presign` still makes) and the `Authorization: AWS <AKID>:<signature>`
 * header (botocore's `s3` signature version, s3cmd, older tools). S3 still accepts both in the
 * regions that had them before 2014, us-east-1 among them, so Drydock verifies them too; the
 * refusals are S3's, in S3's order (header form, date, clock skew, access key, signature).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AwsError } from '../core/errors.js';
import type { PipelineErrors } from './dialect.js';
import { MAX_SKEW_MS, parseAmzDate } from './sigv4.js';
import type { Credential, HttpRequest } from './types.js';

export interface SigV2QueryAuth {
  accessKeyId: string;
  signature: string;
  /** Epoch seconds after which the URL is refused. */
  expires: number;
  sessionToken?: string;
}

/** Query parameters that are part of the signed resource (AWS's list for SigV2, as botocore signs it). */
const SIGNED_SUBRESOURCES = new Set([
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'defaultObjectAcl',
  'delete',
  'inventory',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'partNumber',
  'policy',
  'replication',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'select',
  'select-type',
  'storageClass',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

/** A SigV2 `Authorization` header: the access key, the signature, and the date it signed. */
export interface SigV2HeaderAuth {
  accessKeyId: string;
  signature: string;
  /** The date line of the string to sign: the Date header, or empty when an x-amz-date (signed among the x-amz-* headers) is sent. */
  dateLine: string;
  /** The date as sent (x-amz-date, else Date), which a skew refusal names. */
  date: string;
  /** When the request was signed, epoch ms. */
  signedAt: number;
}

const argumentOf = (header: string) => ({ ArgumentName: 'Authorization', ArgumentValue: header });

/**
 * Reads an Authorization header that is not SigV4 as S3 does: one space after the scheme, the
 * scheme `AWS` (any other is InvalidArgument), `<AKID>:<signature>`, then a readable date
 * (x-amz-date over Date). Throws S3's refusal for each fault.
 */
export function parseSigV2Header(req: HttpRequest, header: string): SigV2HeaderAuth {
  const space = header.indexOf(' ');
  const body = header.slice(space + 1);
  if (space < 0 || body.startsWith(' ')) {
    throw new AwsError('InvalidArgument', "Authorization header is invalid -- one and only one ' ' (space) required", { status: 400, fields: argumentOf(header) });
  }
  if (header.slice(0, space).toUpperCase() !== 'AWS') throw new AwsError('InvalidArgument', 'Unsupported Authorization Type', { status: 400, fields: argumentOf(header) });
  const colon = body.indexOf(':');
  const signature = body.slice(colon + 1);
  if (colon < 0 || !signature || signature.includes(':')) {
    throw new AwsError('InvalidArgument', 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature', { status: 400, fields: argumentOf(header) });
  }
  const amzDate = req.headers['x-amz-date'];
  const date = amzDate ?? req.headers.date ?? '';
  const signedAt = readDate(date);
  if (Number.isNaN(signedAt)) throw new AwsError('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header', { status: 403 });
  return { accessKeyId: body.slice(0, colon), signature, dateLine: amzDate === undefined ? date : '', date, signedAt };
}

/** An HTTP date (RFC 1123, RFC 850, asctime) or an ISO 8601 basic one, epoch ms; NaN when it is neither. */
function readDate(text: string): number {
  const basic = parseAmzDate(text);
  return Number.isNaN(basic) && /[A-Za-z]{3}/.test(text) ? Date.parse(text) : basic;
}

/**
 * Checks a SigV2 Authorization header: the clock skew (S3's 15 minutes, against the wall clock),
 * then the HMAC-SHA1 over the request as S3 canonicalizes it. `path` is the path the client
 * signed (percent-encoded, path-style).
 */
export function verifySigV2Header(req: HttpRequest, path: string, auth: SigV2HeaderAuth, credential: Credential, now: number, errors: Pick<PipelineErrors, 'signatureMismatch' | 'clockSkew'>): void {
  if (Math.abs(now - auth.signedAt) > MAX_SKEW_MS) throw errors.clockSkew(auth.date, new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), MAX_SKEW_MS);
  checkSignature(stringToSign(req, path, auth.dateLine), auth.signature, credential, errors);
}

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

/** `HTTP-Verb \n Content-MD5 \n Content-Type \n Date-or-Expires \n CanonicalizedAmzHeaders CanonicalizedResource`. */
function stringToSign(req: HttpRequest, path: string, dateLine: string): string {
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
  return `${req.method}\n${req.headers['content-md5'] ?? ''}\n${req.headers['content-type'] ?? ''}\n${dateLine}\n${amzHeaders}${resource}`;
}

/** The HMAC-SHA1 of the string to sign, over the bytes the request's headers were sent as (see sigv4.ts's asSentBytes). */
function checkSignature(toSign: string, signature: string, credential: Credential, errors: Pick<PipelineErrors, 'signatureMismatch'>): void {
  const bytes = !/[\u0080-\uffff]/.test(toSign) || /[\u0100-\uffff]/.test(toSign) ? toSign : Buffer.from(toSign, 'latin1');
  const expected = createHmac('sha1', credential.secretAccessKey).update(bytes).digest();
  const given = Buffer.from(signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw errors.signatureMismatch();
}

/**
 * Checks a SigV2 presigned URL: expiry, then the HMAC-SHA1 over the request as S3 canonicalizes it.
 * `path` is the path as the client signed it (percent-encoded, path-style).
 */
export function verifySigV2Query(req: HttpRequest, path: string, auth: SigV2QueryAuth, credential: Credential, now: number, errors: Pick<PipelineErrors, 'signatureMismatch'>): void {
  if (now > auth.expires * 1000) throw new AwsError('AccessDenied', 'Request has expired', { status: 403, fields: { Expires: new Date(auth.expires * 1000).toISOString() } });
  checkSignature(stringToSign(req, path, String(auth.expires)), auth.signature, credential, errors);
}
