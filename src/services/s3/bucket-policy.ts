/**
 * PutBucketPolicy's checks of a policy document, with S3's MalformedPolicy messages: valid JSON
 * object with statements, each with an Effect, an S3 action, a principal S3 can resolve, and a
 * resource of this bucket. As in AWS, a principal naming an IAM user or role must exist (S3 stores
 * the principal's unique id, so an unknown one is "Invalid principal in policy").
 */
import type { IamApi } from '../iam/index.js';
import * as e from './errors.js';

type Statement = Record<string, unknown>;

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function parse(text: string): Record<string, unknown> {
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    throw e.malformedPolicy("Policies must be valid JSON and the first byte must be '{'");
  }
  if (!policy || typeof policy !== 'object' || Array.isArray(policy) || !text.trimStart().startsWith('{')) {
    throw e.malformedPolicy("Policies must be valid JSON and the first byte must be '{'");
  }
  return policy as Record<string, unknown>;
}

/** `s3:…` actions (wildcards allowed) or `*`; another service's action has no place in a bucket policy. */
function validAction(action: unknown): boolean {
  return typeof action === 'string' && (action === '*' || /^s3:[A-Za-z0-9*?]+$/.test(action));
}

/** A resource of this bucket: the bucket (`arn:aws:s3:::bucket`) or objects in it (`arn:aws:s3:::bucket/…`). */
function validResource(resource: unknown, bucket: string): boolean {
  if (typeof resource !== 'string') return false;
  const match = /^arn:(aws|aws-cn|aws-us-gov|\*):s3:::([^/]+)(\/.*)?$/.exec(resource);
  return match !== null && (match[2] === bucket || /[*?]/.test(match[2]!));
}

/** An `AWS` principal: `*`, an account (id or root ARN), or an existing IAM user or role, or a role session. */
function validAwsPrincipal(value: unknown, iam: IamApi): boolean {
  if (typeof value !== 'string') return false;
  if (value === '*' || /^\d{12}$/.test(value)) return true;
  const arn = /^arn:aws[\w-]*:(iam|sts)::(\d{12}):(root|user\/(?:.*\/)?([^/]+)|role\/(?:.*\/)?([^/]+)|assumed-role\/[^/]+\/[^/]+)$/.exec(value);
  if (!arn) return false;
  const [, service, account, resource, userName, roleName] = arn;
  if (resource === 'root') return service === 'iam';
  if (userName !== undefined) return service === 'iam' && iam.getUser(account!, userName)?.arn === value;
  if (roleName !== undefined) return service === 'iam' && iam.getRole(account!, roleName)?.arn === value;
  return service === 'sts';
}

function validPrincipal(principal: unknown, iam: IamApi): boolean {
  if (principal === '*') return true;
  if (!principal || typeof principal !== 'object' || Array.isArray(principal)) return false;
  const entries = Object.entries(principal as Record<string, unknown>);
  if (entries.length === 0) return false;
  return entries.every(([kind, values]) => {
    const all = list(values);
    if (all.length === 0) return false;
    switch (kind) {
      case 'AWS':
        return all.every((v) => validAwsPrincipal(v, iam));
      case 'Service':
        return all.every((v) => typeof v === 'string' && /^[a-z0-9][a-z0-9.-]*$/.test(v));
      case 'CanonicalUser':
        return all.every((v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v));
      case 'Federated':
        return all.every((v) => typeof v === 'string' && v.length > 0);
      default:
        return false;
    }
  });
}

function checkStatement(s: Statement, bucket: string, iam: IamApi): void {
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw e.malformedPolicy(`Invalid effect: ${String(s.Effect)}`);
  if (s.Action === undefined && s.NotAction === undefined) throw e.malformedPolicy('Missing required field Action');
  if (s.Principal === undefined && s.NotPrincipal === undefined) throw e.malformedPolicy('Missing required field Principal');
  if (s.Resource === undefined && s.NotResource === undefined) throw e.malformedPolicy('Missing required field Resource');
  if (!list(s.Action ?? s.NotAction).every(validAction)) throw e.malformedPolicy('Policy has invalid action');
  if (!validPrincipal(s.Principal ?? s.NotPrincipal, iam)) throw e.malformedPolicy('Invalid principal in policy');
  if (!list(s.Resource ?? s.NotResource).every((r) => validResource(r, bucket))) throw e.malformedPolicy('Policy has invalid resource');
}

/** Throws MalformedPolicy as S3 does for a bucket policy `bucket` cannot take. */
export function validateBucketPolicy(text: string, bucket: string, iam: IamApi): void {
  const statements = parse(text).Statement;
  if (statements === undefined) throw e.malformedPolicy('Missing required field Statement');
  for (const statement of list(statements)) {
    if (!statement || typeof statement !== 'object' || Array.isArray(statement)) throw e.malformedPolicy('Statement is not a valid JSON object');
    checkStatement(statement as Statement, bucket, iam);
  }
}
