/** What the STS operations share: the context, issuing a session, packed-policy size, the caller's session. */
import { randomBytes } from 'node:crypto';
import type { Credentials, PolicyDescriptorType, Tag } from '@aws-sdk/client-sts';
import type { Principal } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import { secretKey } from '../../core/ids.js';
import type { RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import { accessKeyIdFor } from './access-keys.js';
import type { SessionRow, StsStore } from './store.js';

export interface StsContext {
  store: StsStore;
  rt: Runtime;
}

/** Budget of the packed session policy, tags and policy ARNs, in characters of compact JSON. */
const PACKED_POLICY_BUDGET = 2048;

/** A session token as long and opaque as AWS's. */
function sessionToken(): string {
  return `IQoJb3JpZ2luX2Vj${randomBytes(240).toString('base64')}`;
}

/** What a new session carries besides its principal. */
export interface SessionExtras {
  sessionPolicy?: string;
  policyArns?: PolicyDescriptorType[];
  sourceIdentity?: string;
  /** Session tags by key, and the keys passed on to chained sessions. */
  tags?: Record<string, string>;
  transitiveTagKeys?: string[];
}

/** Stores a new session for `principal` and answers its credentials. */
export function issue(c: StsContext, principal: Omit<Principal, 'accessKeyId'>, durationSeconds: number, extras: SessionExtras = {}): Credentials {
  const now = c.rt.clock.now();
  const tags = extras.tags && Object.keys(extras.tags).length ? JSON.stringify(extras.tags) : null;
  const row: SessionRow = {
    access_key_id: accessKeyIdFor('ASIA', principal.account),
    secret: secretKey(),
    session_token: sessionToken(),
    expires_at: now + durationSeconds * 1000,
    created_at: now,
    account: principal.account,
    kind: principal.kind,
    arn: principal.arn,
    user_id: principal.userId,
    user_name: principal.userName ?? null,
    role_name: principal.roleName ?? null,
    session_name: principal.sessionName ?? null,
    session_policy: extras.sessionPolicy ?? null,
    session_policy_arns: extras.policyArns?.length ? JSON.stringify(extras.policyArns.map((p) => p.arn)) : null,
    source_identity: extras.sourceIdentity ?? null,
    tags,
    transitive_tag_keys: tags && extras.transitiveTagKeys?.length ? JSON.stringify(extras.transitiveTagKeys) : null,
  };
  c.store.insert(row, now);
  return { AccessKeyId: row.access_key_id, SecretAccessKey: row.secret, SessionToken: row.session_token, Expiration: new Date(row.expires_at) };
}

/**
 * Percentage of the packed-policy budget the session policies and tags use (undefined when none).
 * AWS names the session tags in its refusal when they alone overflow the budget, the policy otherwise.
 */
export function packedPolicySize(input: { Policy?: string; PolicyArns?: PolicyDescriptorType[]; Tags?: Tag[] }): number | undefined {
  if (!input.Policy && !input.PolicyArns?.length && !input.Tags?.length) return undefined;
  let policySize = input.Policy ? JSON.stringify(JSON.parse(input.Policy)).length : 0;
  for (const p of input.PolicyArns ?? []) policySize += (p.arn ?? '').length;
  let tagSize = 0;
  for (const t of input.Tags ?? []) tagSize += (t.Key ?? '').length + (t.Value ?? '').length;
  const percent = (size: number) => Math.ceil((size / PACKED_POLICY_BUDGET) * 100);
  const packed = percent(policySize + tagSize);
  if (percent(tagSize) > 100) throw new AwsError('PackedPolicyTooLargeException', `Packed size of session tags consumes ${percent(tagSize)}% of allotted space.`);
  if (packed > 100) throw new AwsError('PackedPolicyTooLargeException', `Packed policy consumes ${packed}% of allotted space, please use smaller policy for the request.`);
  return packed;
}

/** Validates a request's inline session policy as IAM would. */
export function checkSessionPolicy(c: StsContext, policy: string | undefined): void {
  if (policy !== undefined) c.rt.api('iam').validatePolicyDocument(policy, 'identity');
}

/** The STS session the request is signed with, if it is one. */
export function callerSession(c: StsContext, ctx: RequestContext): SessionRow | undefined {
  return ctx.principal.accessKeyId.startsWith('ASIA') ? c.store.get(ctx.principal.accessKeyId) : undefined;
}

export function sessionTags(row: SessionRow | undefined): Record<string, string> {
  return row?.tags ? (JSON.parse(row.tags) as Record<string, string>) : {};
}

export function transitiveKeys(row: SessionRow | undefined): string[] {
  return row?.transitive_tag_keys ? (JSON.parse(row.transitive_tag_keys) as string[]) : [];
}

/** Federated-user sessions (GetFederationToken) may call no STS operation but GetCallerIdentity. */
export function isFederatedUser(principal: Principal): boolean {
  return principal.arn.includes(':federated-user/');
}

export const denied = (callerArn: string, action: string, resource: string) =>
  new AwsError('AccessDenied', `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource}`, { status: 403 });

/** The caller's session policies (inline and managed documents), which bound what it may do; empty when it has none. */
export function sessionPolicyDocuments(c: StsContext, row: SessionRow | undefined): string[] {
  if (!row) return [];
  const out: string[] = [];
  if (row.session_policy) out.push(row.session_policy);
  for (const arn of row.session_policy_arns ? (JSON.parse(row.session_policy_arns) as string[]) : []) {
    const document = c.rt.api('iam').managedPolicyDocument(row.account, arn);
    out.push(document ?? '{}');
  }
  return out;
}
