/**
 * A bucket lives in one region, and SigV4 requests for it must be signed for that region: S3
 * refuses one signed for another with the region it expects (in `<Region>` and the
 * x-amz-bucket-region header, which SDKs follow). The one endpoint Drydock serves reaches every
 * region's buckets, as S3's global endpoint does, so no request is ever redirected (301). SigV2,
 * which names no region, reaches only buckets of the regions that took it before 2014.
 */
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import type { BucketRow } from './store.js';

/** Operations that do not have to be signed for the bucket's region: creating it, and asking where it is. */
const ANY_REGION = new Set(['CreateBucket', 'GetBucketLocation']);

const HEADER_SCOPE = /Credential=[^/]+\/\d{8}\/([^/]+)\/[^/]+\/aws4_request/;
const QUERY_SCOPE = /^[^/]+\/\d{8}\/([^/]+)\//;

/** The region a SigV4 request was signed for, as the client wrote it; undefined for other requests (SigV2, in-process calls). */
function signedRegion(ctx: RequestContext): { region: string; presigned: boolean } | undefined {
  const header = ctx.http.headers.authorization;
  if (header !== undefined) {
    const region = HEADER_SCOPE.exec(header)?.[1];
    return region === undefined ? undefined : { region, presigned: false };
  }
  const credential = ctx.http.query.find(([name]) => name === 'X-Amz-Credential')?.[1];
  const region = credential === undefined ? undefined : QUERY_SCOPE.exec(credential)?.[1];
  return region === undefined ? undefined : { region, presigned: true };
}

/** The regions S3 opened before 2014, the only ones where it still accepts SigV2. */
const SIGV2_REGIONS = new Set(['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1']);

function signedWithSigV2(ctx: RequestContext): boolean {
  const header = ctx.http.headers.authorization;
  return header !== undefined ? /^AWS /i.test(header) : ctx.http.query.some(([name]) => name === 'Signature');
}

/**
 * Refuses a SigV4 request for `bucket` signed for another region than the bucket's, and a SigV2
 * one for a bucket in a region that never took SigV2.
 */
export function checkSigningRegion(bucket: BucketRow, ctx: RequestContext): void {
  if (signedWithSigV2(ctx) && !SIGV2_REGIONS.has(bucket.region)) {
    throw new AwsError('InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.', { status: 400 });
  }
  if (ANY_REGION.has(ctx.operation)) return;
  const signed = signedRegion(ctx);
  if (!signed || signed.region === bucket.region) return;
  const wrong = `the region '${signed.region}' is wrong; expecting '${bucket.region}'`;
  const options = { status: 400, fields: { Region: bucket.region }, headers: { 'x-amz-bucket-region': bucket.region } };
  throw signed.presigned
    ? new AwsError('AuthorizationQueryParametersError', `Error parsing the X-Amz-Credential parameter; ${wrong}`, options)
    : new AwsError('AuthorizationHeaderMalformed', `The authorization header is malformed; ${wrong}`, options);
}
