/**
 * SigV4 verification: Authorization headers, presigned query strings, and the per-chunk
 * signatures of S3 `aws-chunked` streaming uploads. The canonical request is built by
 * @smithy/signature-v4 (the signer the AWS SDKs use), so client and server agree byte for byte;
 * this file only decides what to compare and which AWS error a mismatch is.
 */
import { type BinaryLike, createHash, createHmac, hash, timingSafeEqual } from 'node:crypto';
import { ALGORITHM_IDENTIFIER, createScope, SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest as SmithyRequest, SourceData } from '@smithy/types';
import { AwsError } from '../core/errors.js';
import type { PipelineErrors, SigningRules } from './dialect.js';
import type { Credential, HttpRequest } from './types.js';

export interface SigV4Auth {
  accessKeyId: string;
  shortDate: string;
  region: string;
  service: string;
  /** `<shortDate>/<region>/<service>/aws4_request`, as the credential spells it. */
  scope: string;
  signedHeaders: string[];
  /** SignedHeaders as sent (`host;x-amz-date`): the canonical request's own line when the names are sorted. */
  signedHeadersText: string;
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
    const key =
      secret === undefined
        ? undefined
        : typeof secret === 'string'
          ? secret
          : Buffer.from(secret instanceof ArrayBuffer ? new Uint8Array(secret) : new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength));
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
 * One verifier per way of escaping paths: the canonical request depends on nothing else the
 * signer is built with, so it need not be rebuilt for every request.
 */
const verifiers = new Map<boolean, Verifier>();
function verifierFor(uriEscapePath: boolean): Verifier {
  let verifier = verifiers.get(uriEscapePath);
  if (!verifier) {
    // Neither the credentials, the service nor the region are used: only the canonical-request construction is.
    verifier = new Verifier({ service: 'any', region: 'us-east-1', credentials: { accessKeyId: '', secretAccessKey: '' }, sha256: NodeSha256, uriEscapePath });
    verifiers.set(uriEscapePath, verifier);
  }
  return verifier;
}

/**
 * The SigV4 signing key of a secret for one day, region and service (`kSigning` of AWS's
 * documentation). Keys change once a day, and deriving one costs four HMACs, so they are kept
 * here, by secret and then by credential scope (`<day>/<region>/<service>/aws4_request`, which a
 * request carries as it is: no key text is built per request). Bounded: cleared when full.
 */
const signingKeys = new Map<string, Map<string, Buffer>>();
let signingKeyCount = 0;
const MAX_SIGNING_KEYS = 1024;
export function signingKey(secretAccessKey: string, shortDate: string, region: string, service: string): Buffer {
  return scopedSigningKey(secretAccessKey, credentialScope(shortDate, region, service), shortDate, region, service);
}

function scopedSigningKey(secretAccessKey: string, scope: string, shortDate: string, region: string, service: string): Buffer {
  let byScope = signingKeys.get(secretAccessKey);
  let key = byScope?.get(scope);
  if (!key) {
    const date = createHmac('sha256', `AWS4${secretAccessKey}`).update(shortDate).digest();
    const regional = createHmac('sha256', date).update(region).digest();
    const serviceKey = createHmac('sha256', regional).update(service).digest();
    key = createHmac('sha256', serviceKey).update('aws4_request').digest();
    if (signingKeyCount >= MAX_SIGNING_KEYS) {
      signingKeys.clear();
      signingKeyCount = 0;
      byScope = undefined;
    }
    if (!byScope) {
      byScope = new Map();
      signingKeys.set(secretAccessKey, byScope);
    }
    byScope.set(scope, key);
    signingKeyCount++;
  }
  return key;
}

// The SDK's constant and scope builder, read once: bundled, its module's exports are getters, one
// call each time they are named on the request path.
const ALGORITHM = ALGORITHM_IDENTIFIER;
const credentialScope = createScope;

/** The hex signature of `canonicalRequest` (text, or the bytes it stands for), made at `longDate` with `key` for the scope `shortDate/region/service`. */
export function requestSignature(key: Uint8Array, longDate: string, region: string, service: string, canonicalRequest: string | Buffer): string {
  return scopedSignature(key, longDate, credentialScope(longDate.slice(0, 8), region, service), canonicalRequest);
}

function scopedSignature(key: Uint8Array, longDate: string, scope: string, canonicalRequest: string | Buffer): string {
  return createHmac('sha256', key)
    .update(`${ALGORITHM}\n${longDate}\n${scope}\n${sha256Hex(canonicalRequest)}`)
    .digest('hex');
}

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** How far a header signature's time may be from the server's (both ways). */
export const MAX_SKEW_MS = 15 * 60 * 1000;
/** A header value the canonical request folds: line breaks, tabs, runs of spaces, or spaces at either end. */
const NEEDS_FOLDING = /[\r\n\t]| {2}|^ | $/;
/** What an Authorization header of SigV4 starts with. */
export const SIGV4_AUTHORIZATION_PREFIX = `${ALGORITHM} `;
const CREDENTIAL_TERMINATOR = '/aws4_request';

/**
 * `<access key>/<YYYYMMDD>/<region>/<service>/aws4_request`, each part non-empty and free of `/`,
 * the date eight ASCII digits. Read by position rather than with a regular expression and its match array.
 */
function parseCredential(text: string, errors: PipelineErrors): Pick<SigV4Auth, 'accessKeyId' | 'shortDate' | 'region' | 'service' | 'scope'> {
  const afterKey = text.indexOf('/');
  const afterDate = afterKey + 9;
  const afterRegion = text.indexOf('/', afterDate + 1);
  const afterService = text.indexOf('/', afterRegion + 1);
  const wellFormed =
    afterKey > 0 &&
    text.charCodeAt(afterDate) === 0x2f &&
    !Number.isNaN(digitsAt(text, afterKey + 1, afterDate)) &&
    afterRegion > afterDate + 1 &&
    afterService > afterRegion + 1 &&
    text.length === afterService + CREDENTIAL_TERMINATOR.length &&
    text.endsWith(CREDENTIAL_TERMINATOR);
  if (!wellFormed) throw errors.malformedCredential();
  return {
    accessKeyId: text.slice(0, afterKey),
    shortDate: text.slice(afterKey + 1, afterDate),
    region: text.slice(afterDate + 1, afterRegion),
    service: text.slice(afterRegion + 1, afterService),
    scope: text.slice(afterKey + 1),
  };
}

/**
 * Reads the SigV4 parameters of a request. Undefined when the request is unsigned; throws the
 * AWS error for a signature that is present but malformed or uses another algorithm.
 */
export function parseSigV4(req: HttpRequest, errors: PipelineErrors): SigV4Auth | undefined {
  const header = req.headers.authorization;
  if (header) {
    if (!header.startsWith(SIGV4_AUTHORIZATION_PREFIX)) throw errors.unsupportedAuthorization();
    // `name=value` parts between commas, names and values trimmed, the last of a name winning; only
    // three names matter, so they are picked out as they come instead of collected in an object.
    let credential = '';
    let signedHeaders = '';
    let signature = '';
    for (let start = SIGV4_AUTHORIZATION_PREFIX.length; start <= header.length; ) {
      const comma = header.indexOf(',', start);
      const end = comma < 0 ? header.length : comma;
      const eq = header.indexOf('=', start);
      if (eq > start && eq < end) {
        const name = header.slice(start, eq).trim();
        if (name === 'Credential') credential = header.slice(eq + 1, end).trim();
        else if (name === 'SignedHeaders') signedHeaders = header.slice(eq + 1, end).trim();
        else if (name === 'Signature') signature = header.slice(eq + 1, end).trim();
      }
      start = end + 1;
    }
    const longDate = req.headers['x-amz-date'] ?? '';
    if (!credential || !signedHeaders || !signature || !longDate) {
      const missing: string[] = [];
      if (!credential) missing.push('Credential');
      if (!signedHeaders) missing.push('SignedHeaders');
      if (!signature) missing.push('Signature');
      if (!longDate) missing.push('X-Amz-Date');
      throw errors.incompleteAuthorization(missing);
    }
    // Fields spelled out rather than spread in: a spread followed by more fields is V8's slow path,
    // and this runs on every signed request.
    const { accessKeyId, shortDate, region, service, scope } = parseCredential(credential, errors);
    return { accessKeyId, shortDate, region, service, scope, signedHeaders: signedHeaders.split(';'), signedHeadersText: signedHeaders, signature, longDate, presigned: false };
  }
  const query = new Map(req.query);
  if (query.has('X-Amz-Signature') || query.get('X-Amz-Algorithm')) {
    if (query.get('X-Amz-Algorithm') !== ALGORITHM_IDENTIFIER) throw errors.malformedQueryAuthorization(`X-Amz-Algorithm must be ${ALGORITHM_IDENTIFIER}.`);
    const missing = ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature'].filter((k) => !query.get(k));
    if (missing.length) throw errors.malformedQueryAuthorization(`Query-string authentication requires the ${missing.join(', ')} parameters.`);
    const expires = query.get('X-Amz-Expires');
    return {
      ...parseCredential(query.get('X-Amz-Credential')!, errors),
      signedHeaders: query.get('X-Amz-SignedHeaders')!.split(';'),
      signedHeadersText: query.get('X-Amz-SignedHeaders')!,
      signature: query.get('X-Amz-Signature')!,
      longDate: query.get('X-Amz-Date')!,
      presigned: true,
      expiresSeconds: expires === undefined ? undefined : Number(expires),
      sessionToken: query.get('X-Amz-Security-Token'),
    };
  }
  return undefined;
}

/** `YYYYMMDDTHHMMSSZ` → epoch ms, NaN when malformed. Read digit by digit: a regular expression's match and six substrings cost every signed request. */
export function parseAmzDate(text: string): number {
  if (text.length !== 16 || text.charCodeAt(8) !== 0x54 /* T */ || text.charCodeAt(15) !== 0x5a /* Z */) return Number.NaN;
  // Date.UTC as before: NaN from any malformed field carries through, and a two-digit year means 19xx.
  return Date.UTC(digitsAt(text, 0, 4), digitsAt(text, 4, 6) - 1, digitsAt(text, 6, 8), digitsAt(text, 9, 11), digitsAt(text, 11, 13), digitsAt(text, 13, 15));
}

/** The decimal number `text` spells from `from` to `to`, NaN unless every character there is an ASCII digit. */
function digitsAt(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
    n = n * 10 + digit;
  }
  return n;
}

function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface VerifyOptions {
  errors: PipelineErrors;
  signing: SigningRules;
  /** Wall-clock time (epoch ms) the client's signing time is compared with. */
  now: number;
  /** The request's `Host` as the client signed it. */
  host: string;
}

/**
 * Checks a request's signature against the credential's secret. The payload hash is the body's
 * hash, or, where the signing rules say so (S3), the `x-amz-content-sha256` header the client sent
 * (streaming and unsigned forms included; a hex hash is compared to the body by checkPayloadHash
 * for buffered bodies and by body.ts for streamed ones).
 * Returns the signing key, which aws-chunked uploads need to check each chunk. Synchronous: every
 * step is, and a promise here cost each signed request microtask hops for nothing.
 */
export function verifySigV4(req: HttpRequest, auth: SigV4Auth, credential: Credential, opts: VerifyOptions): Uint8Array {
  const { errors, now } = opts;
  const requestTime = parseAmzDate(auth.longDate);
  if (Number.isNaN(requestTime)) throw errors.malformedDate(auth.longDate);
  if (auth.presigned) {
    const expires = auth.expiresSeconds ?? 900;
    if (!Number.isInteger(expires) || expires < 1 || expires > 604800) {
      throw new AwsError('AuthorizationQueryParametersError', 'X-Amz-Expires must be between 1 and 604800 seconds.', { status: 400 });
    }
    if (now > requestTime + expires * 1000) throw new AwsError('AccessDenied', 'Request has expired', { status: 403, fields: { 'X-Amz-Expires': expires } });
    if (requestTime - now > MAX_SKEW_MS) throw new AwsError('AccessDenied', 'Request is not valid yet', { status: 403 });
  } else if (Math.abs(now - requestTime) > MAX_SKEW_MS) {
    const serverTime = new Date(now)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    throw errors.clockSkew(auth.longDate, serverTime, MAX_SKEW_MS);
  }
  if (!auth.longDate.startsWith(auth.shortDate)) throw errors.signatureMismatch();

  const values = signedHeaderValues(req, auth.signedHeaders, opts);

  // Services that sign the body hash the body they received: a client-sent x-amz-content-sha256
  // that does not describe the body cannot make a tampered body verify.
  let payloadHash: string;
  if (opts.signing.payloadHash === 'body') payloadHash = sha256Hex(req.body);
  else if (auth.presigned) payloadHash = UNSIGNED_PAYLOAD;
  else payloadHash = req.headers['x-amz-content-sha256'] ?? sha256Hex(req.body);

  const canonical = canonicalRequest(req, auth, values, payloadHash, opts.signing.uriEscapePath);
  // The credential's scope is the one `longDate` gives: its date was checked to be longDate's day.
  const key = scopedSigningKey(credential.secretAccessKey, auth.scope, auth.shortDate, auth.region, auth.service);
  if (!sameSignature(scopedSignature(key, auth.longDate, auth.scope, asSentBytes(canonical)), auth.signature)) throw errors.signatureMismatch();
  return key;
}

/** The value of each signed header, in SignedHeaders order, as the canonical request folds it; a signed header the request lacks is a mismatch. */
function signedHeaderValues(req: HttpRequest, names: string[], opts: VerifyOptions): string[] {
  const values = new Array<string>(names.length);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const value = name === 'host' ? (req.headers.host ?? opts.host) : req.headers[name];
    if (value === undefined) throw opts.errors.signatureMismatch();
    // Most values need no folding: the regular expressions run only for those that do.
    values[i] = NEEDS_FOLDING.test(value)
      ? value
          .replace(/[\r\n]/g, ' ')
          .replace(/[ \t]+/g, ' ')
          .trim()
      : value;
  }
  return values;
}

/** A path the canonical request keeps as it is: no empty, `.` or `..` segment and nothing the signer would escape. */
const PLAIN_PATH = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9\-_.~]+)*\/?$/;

/**
 * The canonical request, byte for byte what @smithy/signature-v4 builds. The usual request (a
 * plain path, no query string, SignedHeaders sorted without repeats as clients send them) is
 * written out directly: the signer's own construction (splits, maps, sorts, an object of headers)
 * was a tenth of a signed request's cost. Anything else goes through the signer itself.
 */
function canonicalRequest(req: HttpRequest, auth: Pick<SigV4Auth, 'signedHeaders' | 'signedHeadersText'>, values: string[], payloadHash: string, uriEscapePath: boolean): string {
  const names = auth.signedHeaders;
  if (req.query.length === 0 && (!uriEscapePath || PLAIN_PATH.test(req.path)) && strictlySorted(names)) {
    let lines = `${names[0]}:${values[0]}`;
    for (let i = 1; i < names.length; i++) lines += `\n${names[i]}:${values[i]}`;
    // Sorted names without repeats are the SignedHeaders text itself (it is their join).
    return `${req.method}\n${req.path}\n\n${lines}\n\n${auth.signedHeadersText}\n${payloadHash}`;
  }
  const headers: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) headers[names[i]] = values[i];
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of req.query) {
    const existing = query[k];
    if (existing === undefined) query[k] = v;
    else query[k] = Array.isArray(existing) ? [...existing, v] : [existing, v];
  }
  return verifierFor(uriEscapePath).canonical({ method: req.method, path: req.path, query, headers, protocol: 'http:', hostname: '' } as SmithyRequest, headers, payloadHash);
}

/**
 * Whether header names are in the order the signer's sort gives, each once (the signer keys them
 * in an object, so a repeat counts once and `__proto__` not at all). Never true for none.
 */
function strictlySorted(names: string[]): boolean {
  if (names.length === 0) return false;
  for (let i = 0; i < names.length; i++) {
    if (names[i] === '__proto__' || (i > 0 && !(names[i - 1] < names[i]))) return false;
  }
  return true;
}

/**
 * The canonical request as the bytes the client sent. Header values (and a raw path) arrive one
 * character per byte, so a header carrying UTF-8 (a non-ASCII S3 metadata value) is signed over
 * those bytes, as AWS verifies it, not over their UTF-8 re-encoding. ASCII, by far the usual, is
 * hashed as it is.
 */
function asSentBytes(canonical: string): string | Buffer {
  // ASCII is told by its UTF-8 length, one byte a character (counted natively, several times faster than a regular expression).
  if (Buffer.byteLength(canonical, 'utf8') === canonical.length) return canonical;
  return /[\u0100-\uffff]/.test(canonical) ? canonical : Buffer.from(canonical, 'latin1');
}

/** A buffered body signed through its x-amz-content-sha256 header must be what that header says. */
export function checkPayloadHash(req: HttpRequest, errors: PipelineErrors): void {
  const declared = req.headers['x-amz-content-sha256'];
  if (!declared || !/^[0-9a-fA-F]{64}$/.test(declared)) return;
  const actual = sha256Hex(req.body);
  if (actual !== declared.toLowerCase()) throw errors.payloadHashMismatch(declared, actual);
}

export function sha256Hex(data: BinaryLike): string {
  if (typeof data === 'string' || Buffer.isBuffer(data)) {
    // Nothing hashes to a constant, which every bodiless request (an S3 GET) checks its body against;
    // the one-shot form skips creating a Hash object: several microseconds on every signed request.
    return data.length === 0 ? EMPTY_SHA256 : hash('sha256', data, 'hex');
  }
  return createHash('sha256').update(data).digest('hex');
}

/** The signature of one aws-chunked chunk, chained from the previous one. */
export function chunkSignature(signingKey: Uint8Array, auth: SigV4Auth, previous: string, chunkSha256Hex: string): string {
  const scope = credentialScope(auth.shortDate, auth.region, auth.service);
  const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${auth.longDate}\n${scope}\n${previous}\n${EMPTY_SHA256}\n${chunkSha256Hex}`;
  return createHmac('sha256', signingKey).update(toSign).digest('hex');
}

export function trailerSignature(signingKey: Uint8Array, auth: SigV4Auth, previous: string, trailer: string): string {
  const scope = credentialScope(auth.shortDate, auth.region, auth.service);
  const toSign = `AWS4-HMAC-SHA256-TRAILER\n${auth.longDate}\n${scope}\n${previous}\n${sha256Hex(trailer)}`;
  return createHmac('sha256', signingKey).update(toSign).digest('hex');
}
