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

/**
 * Condition keys that make an Allow to everyone non-public when they hold fixed values (S3's "The
 * meaning of public": no wildcard, no policy variable, and source IP ranges no broader than /8
 * for IPv4 or /32 for IPv6).
 */
const RESTRICTING_KEYS = new Set([
  'aws:sourceip',
  'aws:sourcearn',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceowner',
  'aws:sourceaccount',
  'aws:userid',
  's3:dataaccesspointarn',
  's3:dataaccesspointaccount',
]);

function everyone(principal: unknown): boolean {
  if (principal === '*') return true;
  if (!principal || typeof principal !== 'object') return false;
  return list((principal as Record<string, unknown>).AWS).includes('*');
}

function fixedValue(key: string, value: unknown): boolean {
  if (typeof value !== 'string' || /[*?]|\$\{/.test(value)) return false;
  if (key === 'aws:sourceip') {
    const [address, bits] = value.split('/');
    const prefix = bits === undefined ? (address.includes(':') ? 128 : 32) : Number(bits);
    return address.includes(':') ? prefix >= 32 : prefix >= 8;
  }
  return true;
}

/** Whether a statement's conditions pin one of the restricting keys to fixed values with a matching (not negated) operator. */
function restricted(condition: unknown): boolean {
  if (!condition || typeof condition !== 'object') return false;
  return Object.entries(condition as Record<string, unknown>).some(([operator, keys]) => {
    if (/Not|IfExists|^Null$/.test(operator) || !keys || typeof keys !== 'object') return false;
    return Object.entries(keys as Record<string, unknown>).some(([key, values]) => {
      const name = key.toLowerCase();
      return RESTRICTING_KEYS.has(name) && list(values).length > 0 && list(values).every((v) => fixedValue(name, v));
    });
  });
}

/** Whether a (valid) bucket policy grants anything to everyone, as BlockPublicPolicy judges it. */
export function isPublicPolicy(text: string): boolean {
  const statements = list((JSON.parse(text) as Record<string, unknown>).Statement) as Statement[];
  return statements.some((s) => s.Effect === 'Allow' && everyone(s.Principal) && !restricted(s.Condition));
}
