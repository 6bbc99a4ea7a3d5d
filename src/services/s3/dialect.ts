/**
 * S3's dialect of the AWS protocols, declared here rather than known to the pipeline: buckets in
 * the Host name (virtual-hosted style), its own codes and statuses for authentication failures
 * (InvalidAccessKeyId, InvalidToken 400, AuthorizationHeaderMalformed …), a signed
 * x-amz-content-sha256 header (aws-chunked and unsigned payloads included) instead of a hashed
 * body, paths signed as sent, SigV2 (Authorization headers and presigned URLs), presigned URLs'
 * hoisted x-amz-* headers, MethodNotAllowed for an unmatched route, and answering every request
 * that names no other service (anonymous GETs, SigV2).
 */

import { DEFAULT_REGION } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import { checkCredential } from '../../protocol/credentials.js';
import type { ProtocolDialect } from '../../protocol/dialect.js';
import { parseSigV2Header, parseSigV2Query, verifySigV2Header, verifySigV2Query } from '../../protocol/sigv2.js';
import type { HttpRequest } from '../../protocol/types.js';
import { asHeaderBytes, checkSendable } from './header-text.js';

/** Hosts whose first label is a bucket (virtual-hosted-style requests). */
const VIRTUAL_HOST = /^(.+?)\.(?:s3(?:[.-][a-z0-9-]+)?\.)?(?:localhost|localhost\.localstack\.cloud|amazonaws\.com)$/;

/** `bucket.s3.localhost/key` → `/bucket/key`; the path as signed is kept for SigV4. */
function moveBucketIntoPath(req: HttpRequest): void {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  const m = VIRTUAL_HOST.exec(host);
  if (!m || m[1] === 's3' || /^s3[.-]/.test(m[1])) return;
  req.signedPath = req.path;
  req.path = `/${m[1]}${req.path === '/' ? '' : req.path}`;
}

/** The query parameters of SigV4 query authentication itself, which are no headers. */
const QUERY_AUTHENTICATION = new Set(['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-expires', 'x-amz-signedheaders', 'x-amz-signature', 'x-amz-security-token', 'x-amz-content-sha256']);

/**
 * A presigned URL carries the x-amz-* headers its signer hoisted into the query string (the SDKs'
 * presigners move x-amz-meta-*, x-amz-server-side-encryption … there), and S3 applies them as the
 * headers they stand for: as the bytes a header would have carried, unless a header says otherwise.
 * Only user metadata may hold what no header can (control characters): S3 answers it RFC 2047 encoded.
 */
function hoistPresignedHeaders(req: HttpRequest): void {
  if (!req.query.some(([name]) => name === 'X-Amz-Credential')) return;
  for (const [name, value] of req.query) {
    const header = name.toLowerCase();
    if (!header.startsWith('x-amz-') || QUERY_AUTHENTICATION.has(header) || req.headers[header] !== undefined) continue;
    const bytes = asHeaderBytes(value);
    if (!header.startsWith('x-amz-meta-')) checkSendable(bytes, name);
    req.headers[header] = bytes;
  }
}

/**
 * A GET `?attributes` without its required x-amz-object-attributes header is still
 * GetObjectAttributes, which refuses it as S3 does, not a GetObject of the whole object: the route
 * is kept by an empty header (unsigned, so SigV4 does not mind it).
 */
function keepAttributesRoute(req: HttpRequest): void {
  if (req.method === 'GET' && req.headers['x-amz-object-attributes'] === undefined && req.query.some(([name]) => name === 'attributes')) {
    req.headers['x-amz-object-attributes'] = '';
  }
}

/** A request signed both in its Authorization header and in its query string. */
function oneMechanism(header: string): AwsError {
  return new AwsError(
    'InvalidArgument',
    'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    { status: 400, fields: { ArgumentName: 'Authorization', ArgumentValue: header } },
  );
}

export const s3Dialect: ProtocolDialect = {
  catchAll: true,
  // S3 refuses more than 8 KB of headers (RequestHeaderSectionTooLarge, MaxSizeAllowed 8192); the URL does not count.
  maxHeaderBytes: 8192,
  rewriteRequest(req) {
    moveBucketIntoPath(req);
    hoistPresignedHeaders(req);
    keepAttributesRoute(req);
  },
  signing: { payloadHash: 'header', uriEscapePath: false },
  errors: {
    missingAuthentication: () => new AwsError('AccessDenied', 'Anonymous access is not allowed: sign requests with SigV4 (the default credentials test/test work).', { status: 403 }),
    unsupportedAuthorization: () => new AwsError('InvalidArgument', 'Unsupported Authorization Type', { status: 400 }),
    malformedCredential: () =>
      new AwsError('AuthorizationHeaderMalformed', `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`, {
        status: 400,
      }),
    incompleteAuthorization: (missing) => new AwsError('AuthorizationHeaderMalformed', `The authorization header is malformed; missing ${missing.join(', ')}.`, { status: 400 }),
    malformedQueryAuthorization: (message) => new AwsError('AuthorizationQueryParametersError', message, { status: 400 }),
    malformedDate: (longDate) => new AwsError('AccessDenied', `X-Amz-Date '${longDate}' is not in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z'.`, { status: 403 }),
    clockSkew: (longDate, serverTime, maxSkewMs) =>
      new AwsError('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
        status: 403,
        fields: { RequestTime: longDate, ServerTime: serverTime, MaxAllowedSkewMilliseconds: maxSkewMs },
      }),
    signatureMismatch: () =>
      new AwsError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', { status: 403 }),
    unknownAccessKey: () => new AwsError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { status: 403 }),
    invalidToken: () => new AwsError('InvalidToken', 'The provided token is malformed or otherwise invalid.', { status: 400 }),
    expiredToken: () => new AwsError('ExpiredToken', 'The security token included in the request is expired', { status: 400 }),
    payloadHashMismatch: (declared, actual) =>
      new AwsError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
        status: 400,
        fields: { ClientComputedContentSHA256: declared, S3ComputedContentSHA256: actual },
      }),
    noRoute: (req) => new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', { status: 405, fields: { Method: req.method, ResourceType: 'OBJECT' } }),
    internal: () => new AwsError('InternalError', 'We encountered an internal error. Please try again.', { status: 500 }),
  },
  /**
   * Legacy SigV2, which S3 still accepts: `Authorization: AWS <AKID>:<signature>` headers (any other
   * scheme than SigV4's is refused here, in S3's words) and presigned URLs (`aws s3 presign` of the
   * aws CLI v1).
   */
  authenticateUnsigned(req, { credentials, now, errors }) {
    const header = req.headers.authorization;
    if (header !== undefined) {
      if (req.query.some(([name]) => name === 'Signature' || name === 'X-Amz-Algorithm')) throw oneMechanism(header);
      const auth = parseSigV2Header(req, header);
      const credential = checkCredential(credentials(auth.accessKeyId), { sessionToken: req.headers['x-amz-security-token'], now }, errors);
      verifySigV2Header(req, req.path, auth, credential, Date.now(), errors);
      return { principal: credential.principal, region: DEFAULT_REGION };
    }
    const auth = parseSigV2Query(req);
    if (!auth) return undefined;
    const credential = checkCredential(credentials(auth.accessKeyId), { sessionToken: auth.sessionToken, now }, errors);
    // SigV2 signs the path-style resource (`/bucket/key`) even for virtual-hosted requests; its
    // expiry is the client's wall-clock time, like SigV4's.
    verifySigV2Query(req, req.path, auth, credential, Date.now(), errors);
    return { principal: credential.principal, region: DEFAULT_REGION };
  },
};
