/**
 * S3 access control lists: canned ACLs, grant headers and AccessControlPolicy documents, read
 * and written on buckets and object versions, under the bucket's Object Ownership (ACLs disabled
 * by BucketOwnerEnforced) and its public access block (BlockPublicAcls refuses public grants).
 * ACLs are stored and answered; they grant nothing: access is decided by IAM and bucket policies.
 */
import type {
  AccessControlPolicy,
  GetBucketAclOutput,
  GetBucketAclRequest,
  GetObjectAclOutput,
  GetObjectAclRequest,
  Grant,
  Grantee,
  Owner,
  PutBucketAclRequest,
  PutObjectAclOutput,
  PutObjectAclRequest,
} from '@aws-sdk/client-s3';
import { withResponse } from '../../protocol/codecs/rest-xml.js';
import type { Handler, Handlers, RequestContext } from '../../protocol/types.js';
import { owner, type S3Core } from './core.js';
import * as e from './errors.js';
import { originOf } from './notification-delivery.js';
import { objectEvent } from './object-tagging.js';
import type { BucketRow } from './store.js';

export interface Acl {
  Owner: Owner;
  Grants: Grant[];
}

/** The ACL members a request may carry: a canned ACL (`x-amz-acl`) or grant headers. */
export interface AclHeaders {
  ACL?: string;
  GrantFullControl?: string;
  GrantRead?: string;
  GrantReadACP?: string;
  GrantWrite?: string;
  GrantWriteACP?: string;
}

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
const GROUPS = new Set([ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY]);
const PERMISSIONS = new Set(['FULL_CONTROL', 'WRITE', 'WRITE_ACP', 'READ', 'READ_ACP']);
/** The canonical user of Amazon EC2 that `aws-exec-read` lets read an AMI bundle. */
const EC2_BUNDLE_READER = '6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c';
const CANONICAL_ID = /^[0-9a-f]{64}$/;
export const ENFORCED = 'BucketOwnerEnforced';
export const OBJECT_OWNERSHIPS = new Set(['BucketOwnerPreferred', 'ObjectWriter', ENFORCED]);

const GRANT_HEADERS = [
  ['GrantFullControl', 'FULL_CONTROL', 'x-amz-grant-full-control'],
  ['GrantRead', 'READ', 'x-amz-grant-read'],
  ['GrantReadACP', 'READ_ACP', 'x-amz-grant-read-acp'],
  ['GrantWrite', 'WRITE', 'x-amz-grant-write'],
  ['GrantWriteACP', 'WRITE_ACP', 'x-amz-grant-write-acp'],
] as const;

const canonicalUser = (account: string): Grantee => ({ Type: 'CanonicalUser', ...owner(account) });
const group = (uri: string, Permission: Grant['Permission']): Grant => ({ Grantee: { Type: 'Group', URI: uri }, Permission });

/** The ACL S3 gives a resource nobody set one on: its owner's FULL_CONTROL alone. */
function defaultAcl(account: string): Acl {
  return { Owner: owner(account), Grants: [{ Grantee: canonicalUser(account), Permission: 'FULL_CONTROL' }] };
}

/** A canned ACL's grants; `bucketOwner` matters only to bucket-owner-read and -full-control on another account's object. */
function cannedAcl(name: string, resourceOwner: string, bucketOwner: string): Acl {
  const acl = defaultAcl(resourceOwner);
  const add = (...grants: Grant[]) => acl.Grants.push(...grants);
  switch (name) {
    case 'private':
      break;
    case 'public-read':
      add(group(ALL_USERS, 'READ'));
      break;
    case 'public-read-write':
      add(group(ALL_USERS, 'READ'), group(ALL_USERS, 'WRITE'));
      break;
    case 'authenticated-read':
      add(group(AUTHENTICATED_USERS, 'READ'));
      break;
    case 'log-delivery-write':
      add(group(LOG_DELIVERY, 'WRITE'), group(LOG_DELIVERY, 'READ_ACP'));
      break;
    case 'aws-exec-read':
      add({ Grantee: { Type: 'CanonicalUser', ID: EC2_BUNDLE_READER }, Permission: 'READ' });
      break;
    case 'bucket-owner-read':
      if (bucketOwner !== resourceOwner) add({ Grantee: canonicalUser(bucketOwner), Permission: 'READ' });
      break;
    case 'bucket-owner-full-control':
      if (bucketOwner !== resourceOwner) add({ Grantee: canonicalUser(bucketOwner), Permission: 'FULL_CONTROL' });
      break;
    default:
      throw e.invalidArgument('', 'x-amz-acl', name);
  }
  return acl;
}

/** One grantee of a grant header: `id="…"`, `uri="…"` or `emailAddress="…"`. */
function headerGrantee(header: string, item: string): Grantee {
  const match = /^(id|uri|emailAddress)=\s*"?([^"]*)"?$/.exec(item);
  if (!match) throw e.invalidArgument('Argument format not recognized', header, item);
  const [, kind, value] = match;
  if (kind === 'id') {
    if (!CANONICAL_ID.test(value)) throw e.invalidArgument('Invalid id', 'id', value);
    return { Type: 'CanonicalUser', ID: value };
  }
  if (kind === 'uri') {
    if (!GROUPS.has(value)) throw e.invalidArgument('Invalid group uri', 'uri', value);
    return { Type: 'Group', URI: value };
  }
  // Drydock knows no account by email address, as S3 knows none after its end of email grantees.
  throw e.unresolvableGrantByEmail(value);
}

function grantHeadersOf(input: AclHeaders): Grant[] {
  const grants: Grant[] = [];
  for (const [member, permission, header] of GRANT_HEADERS) {
    const value = input[member];
    if (value === undefined) continue;
    for (const item of value.split(',')) {
      grants.push({ Grantee: headerGrantee(header, item.trim()), Permission: permission });
    }
  }
  return grants;
}

function hasAclHeaders(input: AclHeaders): boolean {
  return input.ACL !== undefined || GRANT_HEADERS.some(([member]) => input[member] !== undefined);
}

/** The ACL a request's headers describe; undefined when it carries none. */
export function aclFromHeaders(input: AclHeaders, resourceOwner: string, bucketOwner: string): Acl | undefined {
  const grantHeaders = checkOneKindOfHeader(input);
  if (input.ACL !== undefined) return cannedAcl(input.ACL, resourceOwner, bucketOwner);
  return grantHeaders ? { Owner: owner(resourceOwner), Grants: grantHeadersOf(input) } : undefined;
}

/** "You can use either a canned ACL or specify access permissions explicitly. You cannot do both." Answers whether grant headers were sent. */
function checkOneKindOfHeader(input: AclHeaders): boolean {
  const grantHeaders = GRANT_HEADERS.some(([member]) => input[member] !== undefined);
  if (input.ACL !== undefined && grantHeaders) throw e.invalidRequest('Specifying both Canned ACLs and Header Grants is not allowed');
  return grantHeaders;
}

/** An AccessControlPolicy document as S3 checks it: an owner, grants of known permissions to well-formed grantees. */
function aclFromDocument(policy: AccessControlPolicy, resourceOwner: string): Acl {
  if (!policy.Owner || !policy.Grants) throw e.malformedAcl();
  const ownerId = policy.Owner.ID ?? '';
  if (!CANONICAL_ID.test(ownerId)) throw e.invalidArgument('Invalid id', 'CanonicalUser/ID', ownerId);
  const grants = policy.Grants.map((grant): Grant => {
    const grantee = grant.Grantee;
    if (!grant.Permission || !PERMISSIONS.has(grant.Permission) || !grantee) throw e.malformedAcl();
    switch (grantee.Type) {
      case 'CanonicalUser':
        if (!CANONICAL_ID.test(grantee.ID ?? '')) throw e.invalidArgument('Invalid id', 'CanonicalUser/ID', grantee.ID ?? '');
        return { Grantee: { Type: 'CanonicalUser', ID: grantee.ID }, Permission: grant.Permission };
      case 'Group':
        if (!GROUPS.has(grantee.URI ?? '')) throw e.invalidArgument('Invalid group uri', 'Group/URI', grantee.URI ?? '');
        return { Grantee: { Type: 'Group', URI: grantee.URI }, Permission: grant.Permission };
      case 'AmazonCustomerByEmail':
        throw e.unresolvableGrantByEmail(grantee.EmailAddress ?? '');
      default:
        throw e.malformedAcl();
    }
  });
  return { Owner: owner(resourceOwner), Grants: grants };
}

/** Whether the ACL grants anything to everyone or to every AWS account (S3's public ACLs). */
export function isPublicAcl(acl: Acl): boolean {
  return acl.Grants.some((g) => g.Grantee?.Type === 'Group' && (g.Grantee.URI === ALL_USERS || g.Grantee.URI === AUTHENTICATED_USERS));
}

/** Whether the ACL is the bucket owner's FULL_CONTROL and nothing else (what a bucket with ACLs disabled accepts). */
export function onlyOwnerFullControl(acl: Acl, bucketOwner: string): boolean {
  const id = owner(bucketOwner).ID;
  return acl.Grants.length > 0 && acl.Grants.every((g) => g.Permission === 'FULL_CONTROL' && g.Grantee?.Type === 'CanonicalUser' && g.Grantee.ID === id);
}

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

/** The bucket's public access block; all false once it was deleted. */
export function publicAccessBlock(bucket: BucketRow): PublicAccessBlock {
  return bucket.public_access_block
    ? (JSON.parse(bucket.public_access_block) as PublicAccessBlock)
    : { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };
}

/**
 * Refuses an ACL the bucket does not take: with ACLs disabled only the bucket owner's full
 * control, as the bucket-owner-full-control canned ACL or an equivalent document, is accepted
 * (S3 refuses even `private` and grant headers then); a public ACL is refused under BlockPublicAcls.
 */
function checkAclAllowed(bucket: BucketRow, acl: Acl, request: { canned?: string; document: boolean }): void {
  if (bucket.ownership === ENFORCED) {
    const ownerOnly = request.canned === 'bucket-owner-full-control' || (request.document && onlyOwnerFullControl(acl, bucket.account));
    if (!ownerOnly) throw e.aclNotSupported();
    return;
  }
  if (isPublicAcl(acl) && publicAccessBlock(bucket).BlockPublicAcls) throw e.accessDenied();
}

/** The ACL a PutBucketAcl or PutObjectAcl request sets: from exactly one of its headers or its document. */
function requestedAcl(input: AclHeaders & { AccessControlPolicy?: AccessControlPolicy }, bucket: BucketRow, resourceOwner: string): Acl {
  const document = input.AccessControlPolicy;
  const headers = hasAclHeaders(input);
  if (!headers && !document) throw e.missingSecurityHeader('x-amz-acl');
  if (headers && document) {
    checkOneKindOfHeader(input);
    throw e.unexpectedContent();
  }
  const acl = headers ? aclFromHeaders(input, resourceOwner, bucket.account)! : aclFromDocument(document!, resourceOwner);
  checkAclAllowed(bucket, acl, { canned: input.ACL, document: !headers });
  return acl;
}

/** Stored form: NULL for the default ACL, so a resource that never had one and one reset to private read alike. */
function stored(acl: Acl, resourceOwner: string): string | null {
  return onlyOwnerFullControl(acl, resourceOwner) && acl.Grants.length === 1 ? null : JSON.stringify(acl);
}

/**
 * The ACL read back: with ACLs disabled always the bucket owner's full control, whatever was set
 * before. ACLs stored before S3 dropped display names may still carry them: they are left out.
 */
function effectiveAcl(bucket: BucketRow, storedAcl: string | null | undefined, resourceOwner: string): Acl {
  if (bucket.ownership === ENFORCED || !storedAcl) return defaultAcl(bucket.ownership === ENFORCED ? bucket.account : resourceOwner);
  const acl = JSON.parse(storedAcl) as Acl;
  return {
    Owner: { ID: acl.Owner.ID },
    Grants: acl.Grants.map(({ Grantee: grantee, Permission }) => ({ Grantee: grantee && withoutDisplayName(grantee), Permission })),
  };
}

function withoutDisplayName({ DisplayName: _displayName, ...grantee }: Grantee): Grantee {
  return grantee;
}

/**
 * Checks the ACL headers of an object write (PutObject, CopyObject, CreateMultipartUpload) before
 * the write: refused as PutObjectAcl would refuse them. Drydock does not store an ACL sent with a
 * write yet, so a write whose headers ask for more than the default answers NotImplemented rather
 * than dropping them.
 */
export function withWriteAcl(core: S3Core, handler: Handler): Handler {
  return (input: AclHeaders & { Bucket?: string }, ctx: RequestContext) => {
    if (hasAclHeaders(input)) {
      const bucket = core.store.getBucket(input.Bucket ?? '');
      // A missing or foreign bucket is the handler's to refuse, with its own error.
      if (bucket && bucket.account === ctx.account) {
        const acl = aclFromHeaders(input, ctx.account, bucket.account)!;
        checkAclAllowed(bucket, acl, { canned: input.ACL, document: false });
        if (!onlyOwnerFullControl(acl, bucket.account)) {
          throw e.notImplemented('Drydock does not yet store an ACL sent with an object write; write the object, then set its ACL with PutObjectAcl.');
        }
      }
    }
    return handler(input, ctx);
  };
}

export function aclHandlers(core: S3Core): Handlers {
  const { store } = core;
  return {
    GetBucketAcl(input: GetBucketAclRequest, ctx: RequestContext): GetBucketAclOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      return withResponse(effectiveAcl(bucket, bucket.acl, bucket.account), { xmlRoot: 'AccessControlPolicy' });
    },

    PutBucketAcl(input: PutBucketAclRequest, ctx: RequestContext): void {
      store.tx(() => {
        const bucket = core.bucket(input.Bucket!, ctx.account);
        const acl = requestedAcl(input, bucket, bucket.account);
        // With ACLs disabled the accepted owner-only ACL changes nothing.
        if (bucket.ownership !== ENFORCED) store.setBucketConfig(bucket.name, 'acl', stored(acl, bucket.account));
      });
    },

    GetObjectAcl(input: GetObjectAclRequest, ctx: RequestContext): GetObjectAclOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      const row = core.readable(bucket.name, input.Key!, ctx.account, 'GET', input.VersionId);
      return withResponse(effectiveAcl(bucket, store.objectAcl(row), row.owner_account), { xmlRoot: 'AccessControlPolicy' });
    },

    PutObjectAcl(input: PutObjectAclRequest, ctx: RequestContext): PutObjectAclOutput {
      return store.tx(() => {
        const bucket = core.bucket(input.Bucket!, ctx.account);
        const row = core.readable(bucket.name, input.Key!, ctx.account, 'PUT', input.VersionId);
        const acl = requestedAcl(input, bucket, row.owner_account);
        if (bucket.ownership !== ENFORCED) store.setObjectAcl(row, stored(acl, row.owner_account));
        objectEvent(core, row, { name: 'ObjectAcl:Put', origin: originOf(ctx) });
        return {};
      });
    },
  };
}
