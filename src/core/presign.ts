/**
 * Presigned URLs Drydock itself hands out: a custom resource's ResponseURL and a wait condition
 * handle, which the function or an instance script PUTs to with curl and no credentials of its
 * own. They are SigV4 query-signed URLs exactly as AWS's (and the SDKs' presigners) make them, so
 * the receiving service verifies them like any presigned request: `X-Amz-Algorithm`,
 * `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders=host`, the session token
 * when there is one, and `X-Amz-Signature` over an UNSIGNED-PAYLOAD canonical request.
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

export interface PresignRequest {
  /** The HTTP method the URL is for (`PUT` for response URLs and wait condition handles). */
  method: string;
  /** The full URL to sign, e.g. `http://127.0.0.1:4566/bucket/key`; query parameters it already has are signed too. */
  url: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  region: string;
  /** The signing name of the service that receives the request (`s3`). */
  service: string;
  /** How long the URL is valid: 1 to 604800 seconds, as AWS allows. */
  expiresInSeconds: number;
  /**
   * The signing time, epoch ms. Drydock checks a presigned URL's expiry against the wall clock, as
   * it does every client's signing time, so this is the wall-clock time, not a warped Drydock clock.
   */
  now: number;
}

const PAYLOAD_HASH_HEADER = 'x-amz-content-sha256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** The hash constructor the signer takes, on node:crypto (HMAC when given a key). */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    if (secret === undefined) this.hash = createHash('sha256');
    else if (typeof secret === 'string') this.hash = createHmac('sha256', secret);
    else this.hash = createHmac('sha256', ArrayBuffer.isView(secret) ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength) : new Uint8Array(secret));
  }
  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** RFC 3986 encoding, as the SDKs encode S3 keys and query values (encodeURIComponent leaves `!'()*`). */
function strictEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Returns `request.url` with SigV4 query authentication for `request.method`. */
export async function presignUrl(request: PresignRequest): Promise<string> {
  if (!Number.isInteger(request.expiresInSeconds) || request.expiresInSeconds < 1 || request.expiresInSeconds > 604800) {
    throw new RangeError(`expiresInSeconds must be an integer from 1 to 604800, not ${request.expiresInSeconds}`);
  }
  const url = new URL(request.url);
  // Each segment encoded once, exactly as it will be sent: S3 signs the path as sent (no second
  // escaping); other services sign it escaped again, which the signer does itself.
  const path = url.pathname
    .split('/')
    .map((segment) => strictEncode(decodeURIComponent(segment)))
    .join('/');
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  const signer = new SignatureV4({
    service: request.service,
    region: request.region,
    credentials: request.credentials,
    sha256: Sha256,
    uriEscapePath: request.service !== 's3',
  });
  // The body is not known when the URL is made: the canonical request names UNSIGNED-PAYLOAD (the
  // signer reads it from this header, which is neither hoisted into the query nor signed).
  const presigned = await signer.presign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path,
      query,
      headers: { host: url.host, [PAYLOAD_HASH_HEADER]: UNSIGNED_PAYLOAD },
    },
    {
      expiresIn: request.expiresInSeconds,
      signingDate: new Date(request.now),
      unhoistableHeaders: new Set([PAYLOAD_HASH_HEADER]),
      unsignableHeaders: new Set([PAYLOAD_HASH_HEADER]),
    },
  );
  const queryString = Object.entries(presigned.query ?? {})
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((item) => `${strictEncode(name)}=${strictEncode(String(item))}`))
    .join('&');
  return `${url.protocol}//${url.host}${path}?${queryString}`;
}
