/**
 * Template size limits and TemplateURL: which S3 object a URL names, in every form AWS accepts
 * (virtual-hosted, path-style, regional, dual-stack) plus Drydock's own endpoint.
 */
import { validationError } from './errors.js';

/** TemplateBody's limit in bytes, as the API model and AWS enforce it. */
export const TEMPLATE_BODY_MAX = 51200;
/** A template read from S3 through TemplateURL may be this large. */
export const TEMPLATE_URL_MAX = 1_000_000;

export function templateBodyTooLarge(): Error {
  return validationError(`1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${TEMPLATE_BODY_MAX}`);
}

export function templateUrlTooLarge(): Error {
  return validationError(`Template may not exceed ${TEMPLATE_URL_MAX} bytes in size.`);
}

const AWS_S3_HOST = /^(?:(.+)\.)?s3(?:[.-]([a-z0-9-]+))?(?:\.dualstack\.[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/;
const LOCAL_HOSTS = /^(?:(.+?)\.)?(?:s3\.)?(?:localhost|127\.0\.0\.1|\[::1\])$/;

export function templateUrlLocation(url: string): { bucket: string; key: string; versionId?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw validationError('TemplateURL must be a supported URL.');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw validationError('TemplateURL must be a supported URL.');
  const host = parsed.hostname;
  const aws = AWS_S3_HOST.exec(host);
  const local = aws ? undefined : LOCAL_HOSTS.exec(host);
  if (!aws && !local) throw validationError('TemplateURL must be a supported URL.');
  const virtualBucket = aws ? aws[1] : local?.[1];
  const path = parsed.pathname.split('/').slice(1).map(decodeURIComponent);
  const bucket = virtualBucket ?? path.shift();
  const key = path.join('/');
  if (!bucket || !key) throw validationError('TemplateURL must reference a valid S3 object to which you have access.');
  const versionId = parsed.searchParams.get('versionId') ?? undefined;
  return versionId ? { bucket, key, versionId } : { bucket, key };
}
