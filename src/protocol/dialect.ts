/**
 * A service's dialect of the AWS protocols: what one service does differently from the rest at the
 * pipeline's level (before any handler runs). Most services speak plain AWS and declare nothing;
 * S3 declares its own (src/services/s3/dialect.ts): virtual-hosted buckets, its own names and
 * statuses for authentication failures, a signed x-amz-content-sha256 header instead of a hashed
 * body, SigV2 presigned URLs, and answering requests nothing else claims.
 * The pipeline only ever asks the dialect; it never asks which service it is talking to.
 */

import type { Principal } from '../core/accounts.js';
import { AwsError } from '../core/errors.js';
import type { ServiceModel } from './model.js';
import type { CredentialLookup, HttpRequest } from './types.js';

/** The errors the pipeline answers with before a handler runs, in one service's wording. */
export interface PipelineErrors {
  /** No signature at all on an operation that needs one. */
  missingAuthentication(): AwsError;
  /** An Authorization header of another scheme than AWS4-HMAC-SHA256. */
  unsupportedAuthorization(): AwsError;
  /** A Credential that is not `<AKID>/YYYYMMDD/REGION/SERVICE/aws4_request`. */
  malformedCredential(): AwsError;
  /** An Authorization header without some of its parts (`Credential`, `SignedHeaders`, `Signature`, `X-Amz-Date`). */
  incompleteAuthorization(missing: string[]): AwsError;
  /** Query-string (presigned) authentication with a wrong algorithm or missing parameters. */
  malformedQueryAuthorization(message: string): AwsError;
  /** An X-Amz-Date that is not `YYYYMMDD'T'HHMMSS'Z'`. */
  malformedDate(longDate: string): AwsError;
  /** A header signature made more than `maxSkewMs` away from the server's time. */
  clockSkew(longDate: string, serverTime: string, maxSkewMs: number): AwsError;
  signatureMismatch(): AwsError;
  /** An access key nobody issued, or one made inactive. */
  unknownAccessKey(): AwsError;
  /** A session token that does not belong to the temporary access key. */
  invalidToken(): AwsError;
  /** Temporary credentials past their expiry. */
  expiredToken(): AwsError;
  /** A body that does not hash to the x-amz-content-sha256 the client signed. */
  payloadHashMismatch(declared: string, actual: string): AwsError;
  /** A header section (names and values, without the request line) larger than the service accepts. */
  headersTooLarge(size: number, max: number): AwsError;
  /** No REST route of `service` matches the method and path. */
  noRoute(req: HttpRequest, service: string): AwsError;
  /** A fault of Drydock's own (an exception that is no AwsError). */
  internal(): AwsError;
}

/** How the signature covers the payload. */
export interface SigningRules {
  /**
   * `body`: the body's SHA-256, whatever the client claims (most services).
   * `header`: the x-amz-content-sha256 header as sent (streaming and UNSIGNED-PAYLOAD forms
   * included; UNSIGNED-PAYLOAD for presigned URLs), and a hex hash is then checked against the body.
   */
  payloadHash: 'body' | 'header';
  /** Whether the canonical request escapes the path once more (false: it is signed as sent). */
  uriEscapePath: boolean;
}

/** What a dialect's own authentication gets to work with. */
export interface AuthenticationContext {
  credentials: CredentialLookup;
  /** Drydock's clock (epoch ms), which credential lifetimes follow. */
  now: number;
  errors: PipelineErrors;
}

export interface ProtocolDialect {
  /**
   * This service answers requests that no X-Amz-Target, Action field or signature names (S3:
   * anonymous GETs, SigV2 presigned URLs). One service at most may claim them.
   */
  catchAll?: boolean;
  /** The largest header section (bytes of names and values) the service accepts; no limit but the server's otherwise. */
  maxHeaderBytes?: number;
  /** Rewrites the request before REST routing (S3 moves a virtual-hosted bucket from Host into the path, keeping `signedPath`). */
  rewriteRequest?(req: HttpRequest): void;
  /** The error forms that differ from AWS's usual ones. */
  errors?: Partial<PipelineErrors>;
  /** SigV4 as the service verifies it; AWS's default rules (hashed body, escaped path) otherwise. */
  signing?: SigningRules;
  /**
   * Authentication by other means than SigV4, tried on requests that carry no SigV4 signature (S3's
   * SigV2 presigned URLs and `Authorization: AWS …` headers; an Authorization header of any scheme
   * but SigV4 comes here first): the caller, undefined when the request has none, or an AwsError.
   */
  authenticateUnsigned?(req: HttpRequest, context: AuthenticationContext): { principal: Principal; region: string } | undefined;
  /**
   * For a JSON service that replaced awsQuery (SQS, `awsQueryCompatible`): the model its awsQuery
   * requests (`Action=…` forms from older SDKs, no X-Amz-Target) are read and answered with, the
   * same operations with the query protocol's member names, result wrappers and error codes.
   */
  queryModel?: ServiceModel;
}

export const DEFAULT_SIGNING: SigningRules = { payloadHash: 'body', uriEscapePath: true };

/** AWS's usual answers: the query, JSON and REST-JSON services' wording. */
export function awsErrors(protocol: string): PipelineErrors {
  const signatureMismatch = () =>
    new AwsError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      { status: 403 },
    );
  // JSON services name an unknown or mismatched credential UnrecognizedClientException (400 for
  // awsJson, 403 for REST-JSON), and an expired one ExpiredTokenException; query services use
  // InvalidClientTokenId and ExpiredToken, both 403.
  const json = protocol === 'json' || protocol === 'rest-json';
  const invalidToken = json
    ? () => new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', { status: protocol === 'json' ? 400 : 403 })
    : () => new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', { status: 403 });
  return {
    missingAuthentication: () => new AwsError(protocol === 'json' ? 'MissingAuthenticationTokenException' : 'MissingAuthenticationToken', 'Request is missing Authentication Token', { status: 403 }),
    unsupportedAuthorization: () => new AwsError('IncompleteSignature', 'Unsupported authorization scheme; Drydock accepts AWS4-HMAC-SHA256 only.', { status: 403 }),
    malformedCredential: () => new AwsError('IncompleteSignature', `Authorization header requires 'Credential' parameter in the form "<AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`, { status: 403 }),
    incompleteAuthorization: (missing) => new AwsError('IncompleteSignature', `Authorization header requires ${missing.map((m) => `'${m}'`).join(', ')}.`, { status: 403 }),
    malformedQueryAuthorization: (message) => new AwsError('IncompleteSignature', message, { status: 403 }),
    malformedDate: (longDate) => new AwsError('IncompleteSignature', `Date must be in ISO-8601 'basic format'. Got '${longDate}'.`, { status: 403 }),
    clockSkew: (longDate, serverTime) => new AwsError('SignatureDoesNotMatch', `Signature expired: ${longDate} is now earlier than ${serverTime} (${serverTime} - 15 min.)`, { status: 403 }),
    signatureMismatch,
    unknownAccessKey: invalidToken,
    invalidToken,
    expiredToken: json
      ? () => new AwsError('ExpiredTokenException', 'The security token included in the request is expired', { status: protocol === 'json' ? 400 : 403 })
      : () => new AwsError('ExpiredToken', 'The security token included in the request is expired', { status: 403 }),
    // The signature covers the body's own hash for these services: a body that differs is a signature that does not match.
    payloadHashMismatch: signatureMismatch,
    headersTooLarge: (size, max) =>
      new AwsError('RequestHeaderSectionTooLarge', 'Your request header section exceeds the maximum allowed size.', { status: 400, fields: { MaxSizeAllowed: max, Size: size } }),
    noRoute: (req, service) => new AwsError('UnknownOperationException', `No operation of ${service} matches ${req.method} ${req.path}`, { status: 404 }),
    internal: () => new AwsError('InternalFailure', 'We encountered an internal error. Please try again.', { status: 500 }),
  };
}
