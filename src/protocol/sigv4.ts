/**
 * SigV4 verification: Authorization headers, presigned query strings, and the per-chunk
 * signatures of S3 `aws-chunked` streaming uploads. The canonical request is built by
 * @smithy/signature-v4 (the signer the AWS SDKs use), so client and server agree byte for byte;
 * this file only decides what to compare and which AWS error a mismatch is.
 */
import { createHash, createHmac, timingSafeEqual, type BinaryLike } from 'node:crypto';
import { SignatureV4, createScope, getSigningKey, ALGORITHM_IDENTIFIER } from '@smithy/signature-v4';
import type { HttpRequest as SmithyRequest, SourceData } from '@smithy/types';
import { AwsError } from '../core/errors.js';
import type { HttpRequest, Credential } from './types.js';

/** How AWS names auth failures differs between S3 and the other services. */
export type AuthStyle = 's3' | 'default';

export interface SigV4Auth {
  accessKeyId: string;
  shortDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** `YYYYMMDDTHHMMSSZ` from X-Amz-Date (header or query). */
  longDate: string;
  presigned: boolean;
  /** Presigned URLs: validity in seconds. */
  expiresSeconds?: number;
  /** Presigned URLs carry the session token in the query string. */
  sessionToken?: string;
}

/** The hash constructor @smithy/signature-v4 wants, on node:crypto. */
export class NodeSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    const key = secret === undefined ? undefined : typeof secret === 'string' ? secret : Buffer.from(secret instanceof ArrayBuffer ? new Uint8Array(secret) : new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength));
    this.hash = key !== undefined ? createHmac('sha256', key) : createHash('sha256');
  }
  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** Exposes the SDK signer's canonical-request construction for verification. */
class Verifier extends SignatureV4 {
  canonical(request: SmithyRequest, headers: Record<string, string>, payloadHash: string): string {
    return this.createCanonicalRequest(request, headers, payloadHash);
  }
}

/**
 * One verifier per signing service: canonical requests depend only on the service (S3 does not
 * re-escape paths), so the signer need not be rebuilt for every request.
 */
const verifiers = new Map<string, Verifier>();
function verifierFor(service: string): Verifier {
  let verifier = verifiers.get(service);
  if (!verifier) {
    // The credentials are never used: only the canonical-request construction is.
    verifier = new Verifier({ service, region: 'us-east-1', credentials: { accessKeyId: '', secretAccessKey: '' }, sha256: NodeSha256, uriEscapePath: service !== 's3' });
    verifiers.set(service, verifier);
  }
  return verifier;
}

/**
 * Signing keys change once a day per secret, region and service; deriving one costs four HMACs
 * (and the SDK's own cache an HMAC per lookup), so they are kept here. Bounded: cleared when full.
 */
const signingKeys = new Map<string, Uint8Array>();
const MAX_SIGNING_KEYS = 1024;
async function signingKeyFor(auth: SigV4Auth, secretAccessKey: string): Promise<Uint8Array> {
  const cacheKey = `${auth.shortDate}\0${auth.region}\0${auth.service}\0${auth.accessKeyId}\0${secretAccessKey}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = await getSigningKey(NodeSha256, { accessKeyId: auth.accessKeyId, secretAccessKey }, auth.shortDate, auth.region, auth.service);
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

const MAX_SKEW_MS = 15 * 60 * 1000;
const CREDENTIAL_PATTERN = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;

function parseCredential(text: string, style: AuthStyle): Pick<SigV4Auth, 'accessKeyId' | 'shortDate' | 'region' | 'service'> {
  const match = CREDENTIAL_PATTERN.exec(text);
  if (!match) {
    throw style === 's3'
      ? new AwsError('AuthorizationHeaderMalformed', `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`, { status: 400 })
      : new AwsError('IncompleteSignature', `Authorization header requires 'Credential' parameter in the form "<AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`, { status: 403 });
  }
  return { accessKeyId: match[1], shortDate: match[2], region: match[3], service: match[4] };
}

/**
 * Reads the SigV4 parameters of a request. Undefined when the request is unsigned; throws the
 * AWS error for a signature that is present but malformed or uses another algorithm.
 */
export function parseSigV4(req: HttpRequest, style: AuthStyle): SigV4Auth | undefined {
  const header = req.headers['authorization'];
  if (header) {
    if (!header.startsWith(`${ALGORITHM_IDENTIFIER} `)) {
      throw style === 's3'
        ? new AwsError('InvalidArgument', 'Only AWS4-HMAC-SHA256 (Signature Version 4) is supported by Drydock.', { status: 400 })
        : new AwsError('IncompleteSignature', `Unsupported authorization scheme; Drydock accepts ${ALGORITHM_IDENTIFIER} only.`, { status: 403 });
    }
    const params: Record<string, string> = {};
    for (const part of header.slice(ALGORITHM_IDENTIFIER.length + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) params[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
    const longDate = req.headers['x-amz-date'] ?? '';
    if (!params.Credential || !params.SignedHeaders || !params.Signature || !longDate) {
      const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((k) => !params[k]);
      if (!longDate) missing.push('X-Amz-Date');
      throw style === 's3'
        ? new AwsError('AuthorizationHeaderMalformed', `The authorization header is malformed; missing ${missing.join(', ')}.`, { status: 400 })
        : new AwsError('IncompleteSignature', `Authorization header requires ${missing.map((m) => `'${m}'`).join(', ')}.`, { status: 403 });
    }
    return {
      ...parseCredential(params.Credential, style),
      signedHeaders: params.SignedHeaders.split(';'),
      signature: params.Signature,
      longDate,
      presigned: false,
    };
  }
  const query = new Map(req.query);
  if (query.has('X-Amz-Signature') || query.get('X-Amz-Algorithm')) {
    if (query.get('X-Amz-Algorithm') !== ALGORITHM_IDENTIFIER) {
      throw new AwsError(style === 's3' ? 'AuthorizationQueryParametersError' : 'IncompleteSignature', `X-Amz-Algorithm must be ${ALGORITHM_IDENTIFIER}.`, { status: style === 's3' ? 400 : 403 });
    }
    const missing = ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature'].filter((k) => !query.get(k));
    if (missing.length) {
      throw new AwsError(style === 's3' ? 'AuthorizationQueryParametersError' : 'IncompleteSignature', `Query-string authentication requires the ${missing.join(', ')} parameters.`, { status: style === 's3' ? 400 : 403 });
    }
    const expires = query.get('X-Amz-Expires');
    return {
      ...parseCredential(query.get('X-Amz-Credential')!, style),
      signedHeaders: query.get('X-Amz-SignedHeaders')!.split(';'),
      signature: query.get('X-Amz-Signature')!,
      longDate: query.get('X-Amz-Date')!,
      presigned: true,
      expiresSeconds: expires === undefined ? undefined : Number(expires),
      sessionToken: query.get('X-Amz-Security-Token'),
    };
  }
  return undefined;
}

/** `YYYYMMDDTHHMMSSZ` → epoch ms, NaN when malformed. */
export function parseAmzDate(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

export function signatureMismatch(style: AuthStyle): AwsError {
  return new AwsError(
    'SignatureDoesNotMatch',
    style === 's3'
      ? 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'
      : 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    { status: 403 },
  );
}

export function unknownAccessKey(style: AuthStyle): AwsError {
  return style === 's3'
    ? new AwsError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { status: 403 })
    : new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', { status: 403 });
}

function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface VerifyOptions {
  style: AuthStyle;
  /** Wall-clock time (epoch ms) the client's signing time is compared with. */
  now: number;
  /** The request's `Host` as the client signed it. */
  host: string;
}

/**
 * Checks a request's signature against the credential's secret. The payload hash is the body's
 * hash, except for S3, which signs the `x-amz-content-sha256` header where the client sent one
 * (streaming and unsigned forms included; a hex hash is compared to the body by the pipeline for
 * buffered bodies and by body.ts for streamed ones).
 * Returns the signing key, which aws-chunked uploads need to check each chunk.
 */
export async function verifySigV4(req: HttpRequest, auth: SigV4Auth, credential: Credential, opts: VerifyOptions): Promise<Uint8Array> {
  const { style, now } = opts;
  const requestTime = parseAmzDate(auth.longDate);
  if (Number.isNaN(requestTime)) {
    throw style === 's3'
      ? new AwsError('AccessDenied', `X-Amz-Date '${auth.longDate}' is not in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z'.`, { status: 403 })
      : new AwsError('IncompleteSignature', `Date must be in ISO-8601 'basic format'. Got '${auth.longDate}'.`, { status: 403 });
  }
  if (auth.presigned) {
    const expires = auth.expiresSeconds ?? 900;
    if (!Number.isInteger(expires) || expires < 1 || expires > 604800) {
      throw new AwsError('AuthorizationQueryParametersError', 'X-Amz-Expires must be between 1 and 604800 seconds.', { status: 400 });
    }
    if (now > requestTime + expires * 1000) throw new AwsError('AccessDenied', 'Request has expired', { status: 403, fields: { 'X-Amz-Expires': expires } });
    if (requestTime - now > MAX_SKEW_MS) throw new AwsError('AccessDenied', 'Request is not valid yet', { status: 403 });
  } else if (Math.abs(now - requestTime) > MAX_SKEW_MS) {
    const serverTime = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    throw style === 's3'
      ? new AwsError('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
          status: 403,
          fields: { RequestTime: auth.longDate, ServerTime: serverTime, MaxAllowedSkewMilliseconds: MAX_SKEW_MS },
        })
      : new AwsError('SignatureDoesNotMatch', `Signature expired: ${auth.longDate} is now earlier than ${serverTime} (${serverTime} - 15 min.)`, { status: 403 });
  }
  if (!auth.longDate.startsWith(auth.shortDate)) throw signatureMismatch(style);

  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = name === 'host' ? (req.headers.host ?? opts.host) : req.headers[name];
    if (value === undefined) throw signatureMismatch(style);
    headers[name] = value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').trim();
  }

  // Services other than S3 hash the body they received: a client-sent x-amz-content-sha256 that
  // does not describe the body cannot make a tampered body verify.
  let payloadHash: string;
  if (style !== 's3') payloadHash = sha256Hex(req.body);
  else if (auth.presigned) payloadHash = UNSIGNED_PAYLOAD;
  else payloadHash = req.headers['x-amz-content-sha256'] ?? sha256Hex(req.body);

  const query: Record<string, string | string[]> = {};
  for (const [k, v] of req.query) {
    const existing = query[k];
    if (existing === undefined) query[k] = v;
    else query[k] = Array.isArray(existing) ? [...existing, v] : [existing, v];
  }
  const canonical = verifierFor(auth.service).canonical({ method: req.method, path: req.path, query, headers, protocol: 'http:', hostname: '' } as SmithyRequest, headers, payloadHash);
  const scope = createScope(auth.shortDate, auth.region, auth.service);
  const stringToSign = `${ALGORITHM_IDENTIFIER}\n${auth.longDate}\n${scope}\n${sha256Hex(canonical)}`;
  const signingKey = await signingKeyFor(auth, credential.secretAccessKey);
  const expected = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  if (!sameSignature(expected, auth.signature)) throw signatureMismatch(style);
  return signingKey;
}

export function sha256Hex(data: BinaryLike): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The signature of one aws-chunked chunk, chained from the previous one. */
export function chunkSignature(signingKey: Uint8Array, auth: SigV4Auth, previous: string, chunkSha256Hex: string): string {
  const scope = createScope(auth.shortDate, auth.region, auth.service);
  const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${auth.longDate}\n${scope}\n${previous}\n${EMPTY_SHA256}\n${chunkSha256Hex}`;
  return createHmac('sha256', signingKey).update(toSign).digest('hex');
}

export function trailerSignature(signingKey: Uint8Array, auth: SigV4Auth, previous: string, trailer: string): string {
  const scope = createScope(auth.shortDate, auth.region, auth.service);
  const toSign = `AWS4-HMAC-SHA256-TRAILER\n${auth.longDate}\n${scope}\n${previous}\n${sha256Hex(trailer)}`;
  return createHmac('sha256', signingKey).update(toSign).digest('hex');
}

