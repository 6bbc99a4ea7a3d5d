/**
 * IAM's public interface for other services (STS assumes roles through it, CodeCommit checks Git
 * passwords and evaluates policies with it). Never IAM's tables.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Principal } from '../../core/accounts.js';
import { partitionOf } from '../../core/arn.js';
import type { Clock } from '../../core/clock.js';
import { type ContextValue, denialMessage, type EvaluationInput, type EvaluationResult, evaluate, type RequestContextKeys } from '../../core/policy.js';
import type { ResourcePolicy } from '../authorization.js';
import type { IamCache } from './cache.js';
import { roleArn, userArn, userPrincipal } from './common.js';
import type { CredentialStore } from './credential-store.js';
import { type PolicyKind, validatePolicyDocument } from './policy-document.js';
import { defaultDocument, findPolicy } from './policy-handlers.js';
import type { IamStore, RoleRow, UserRow } from './store.js';
import { evaluateTrust, type TrustCaller, type TrustDecision } from './trust-policy.js';

export type { TrustCaller, TrustDecision } from './trust-policy.js';

export interface IamUser {
  account: string;
  userName: string;
  path: string;
  userId: string;
  arn: string;
  createdAt: number;
}

export interface IamRole {
  account: string;
  roleName: string;
  path: string;
  roleId: string;
  arn: string;
  /** The trust policy, raw JSON text. */
  assumeRolePolicyDocument: string;
  maxSessionDuration: number;
  description?: string;
  createdAt: number;
}

/** One identity policy that applies to a principal, with its document as raw JSON text. */
export interface EffectivePolicy {
  kind: 'inline' | 'managed';
  name: string;
  /** Managed policies only. */
  arn?: string;
  /** Set when the policy reaches a user through this group. */
  group?: string;
  document: string;
}

export interface IamApi {
  getUser(account: string, userName: string): IamUser | undefined;
  getRole(account: string, roleName: string): IamRole | undefined;
  /** Inline and attached policies of the user, and of every group the user is in. */
  policiesForUser(account: string, userName: string): EffectivePolicy[];
  /** Inline and attached policies of the role. */
  policiesForRole(account: string, roleName: string): EffectivePolicy[];
  /** The default version's document of a managed policy visible to the account (AWS managed or its own). */
  managedPolicyDocument(account: string, policyArn: string): string | undefined;
  /** Throws MalformedPolicyDocumentException as IAM would for this document. */
  validatePolicyDocument(text: string, kind: PolicyKind): void;
  /**
   * The IAM user behind a service-specific credential (e.g. a CodeCommit HTTPS Git login
   * `alice-at-123456789012`), or undefined when the login, password, service or status do not match.
   */
  verifyServiceSpecificCredential(serviceUserName: string, password: string, serviceName?: string): Principal | undefined;
  /** The account that owns an IAM access key (STS GetAccessKeyInfo). */
  accountOfAccessKey(accessKeyId: string): string | undefined;
  /** Records that a role was just assumed (GetRole's RoleLastUsed). */
  recordRoleUse(account: string, roleName: string, region: string): void;
  /** The tags of a user or role, by key (what `aws:PrincipalTag/<key>` reads). */
  principalTags(account: string, type: 'user' | 'role', name: string): Record<string, string>;
  /** Whether a role's trust policy (raw JSON) lets `caller` perform `action` (`sts:AssumeRole`, `sts:TagSession` …) with these condition keys. */
  evaluateTrust(trustPolicy: string, caller: TrustCaller, action: string, context: Record<string, string | string[] | undefined>): TrustDecision;
  /** Whether the role with exactly this ARN exists and its trust policy lets `caller` call sts:AssumeRole (CodeBuild checks its service roles so). */
  roleTrusts(roleArn: string, caller: TrustCaller): boolean;
  /**
   * The default version's document (raw JSON) of the managed policy set as the permissions boundary
   * of a user or role, or undefined when it has none: what caps its identity policies.
   */
  permissionsBoundary(account: string, kind: 'user' | 'role', name: string): string | undefined;
  /**
   * IAM's decision on one request, as AWS evaluates it: the principal's identity policies, its
   * permissions boundary and session policies, and the resource's own policy when it has one;
   * with AWS's denial message.
   */
  authorize(principal: Principal, request: AuthorizationRequest): EvaluationResult & { message: string };
}

export interface AuthorizationRequest {
  action: string;
  resource: string;
  region: string;
  /** Service-specific condition keys (e.g. `codecommit:References`), or what makes them; global `aws:` keys are added from the principal. */
  context?: RequestContextKeys;
  /** The resource's own policy (bucket policy, key policy …), when it has one. */
  resourcePolicy?: ResourcePolicy;
  /** The account that owns the resource (cross-account requests need both sides to allow). */
  resourceAccount?: string;
}

/** `aws:PrincipalType` by principal kind. */
const PRINCIPAL_TYPES: Record<Principal['kind'], string> = { root: 'Account', user: 'User', 'assumed-role': 'AssumedRole', service: 'AWSService' };

function userView(row: UserRow): IamUser {
  return { account: row.account, userName: row.name, path: row.path, userId: row.id, arn: userArn(row), createdAt: row.created_at };
}

function roleView(row: RoleRow): IamRole {
  return {
    account: row.account,
    roleName: row.name,
    path: row.path,
    roleId: row.id,
    arn: roleArn(row),
    assumeRolePolicyDocument: row.trust_policy,
    maxSessionDuration: row.max_session_duration,
    description: row.description ?? undefined,
    createdAt: row.created_at,
  };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createIamApi(store: IamStore, clock: Clock, credentials: CredentialStore, cache: IamCache): IamApi {
  function policiesOf(account: string, type: 'user' | 'group' | 'role', name: string, group?: string): EffectivePolicy[] {
    const out: EffectivePolicy[] = store.listInline(account, type, name).map((p) => ({ kind: 'inline', name: p.policy_name, group, document: p.document }));
    for (const attachment of store.attachedTo(account, type, name)) {
      const policy = findPolicy(store, account, attachment.policy_arn);
      if (policy) out.push({ kind: 'managed', name: policy.name, arn: policy.arn, group, document: defaultDocument(store, account, policy) });
    }
    return out;
  }

  return {
    permissionsBoundary(account, kind, name) {
      const policyArn = credentials.boundary(account, kind, name);
      const policy = policyArn === undefined ? undefined : findPolicy(store, account, policyArn);
      return policy && defaultDocument(store, account, policy);
    },
    getUser(account, userName) {
      const row = store.getEntity('user', account, userName);
      return row && userView(row);
    },
    getRole(account, roleName) {
      const row = store.getEntity('role', account, roleName);
      return row && roleView(row);
    },
    policiesForUser(account, userName) {
      const user = store.getEntity('user', account, userName);
      if (!user) return [];
      const out = policiesOf(account, 'user', user.name);
      for (const group of store.groupsOfUser(account, user.name)) out.push(...policiesOf(account, 'group', group.name, group.name));
      return out;
    },
    policiesForRole(account, roleName) {
      const role = store.getEntity('role', account, roleName);
      return role ? policiesOf(account, 'role', role.name) : [];
    },
    managedPolicyDocument(account, policyArn) {
      const policy = findPolicy(store, account, policyArn);
      return policy && defaultDocument(store, account, policy);
    },
    validatePolicyDocument(text, kind) {
      validatePolicyDocument(text, kind);
    },
    verifyServiceSpecificCredential(serviceUserName, password, serviceName = 'codecommit.amazonaws.com') {
      for (const credential of store.serviceCredentialsByLogin(serviceUserName)) {
        if (credential.service_name !== serviceName || credential.status !== 'Active' || !sameText(credential.password, password)) continue;
        const user = store.getEntity('user', credential.account, credential.user_name);
        if (user) return userPrincipal(user, credential.id);
      }
      return undefined;
    },
    accountOfAccessKey(accessKeyId) {
      return store.getAccessKey(accessKeyId)?.account;
    },
    authorize(principal, request) {
      const now = clock.now();
      // The identity behind the credentials: its policies, boundary and tags, and (for a role
      // session) the role's ARN, which is what aws:PrincipalArn names rather than the session ARN.
      const { user, role, identityPolicies, boundary, tags } = cache.memo(`profile\u0000${principal.account}\u0000${principal.kind}\u0000${principal.userName ?? principal.roleName ?? ''}`, () => {
        const user = principal.kind === 'user' && principal.userName ? store.getEntity('user', principal.account, principal.userName) : undefined;
        const role = principal.kind === 'assumed-role' && principal.roleName ? store.getEntity('role', principal.account, principal.roleName) : undefined;
        return {
          user,
          role,
          identityPolicies: (user ? this.policiesForUser(principal.account, user.name) : role ? this.policiesForRole(principal.account, role.name) : []).map((p) => p.document),
          boundary: user ? this.permissionsBoundary(principal.account, 'user', user.name) : role ? this.permissionsBoundary(principal.account, 'role', role.name) : undefined,
          tags: user ? store.tags(principal.account, 'user', user.name) : role ? store.tags(principal.account, 'role', role.name) : [],
        };
      });
      const principalArn = role ? roleArn(role) : principal.kind === 'root' ? `arn:${partitionOf(request.region)}:iam::${principal.account}:root` : principal.arn;
      // Made only when a statement reads a key: most policies have no Condition and no variable.
      const context = (): Record<string, ContextValue> => {
        const requestContext = typeof request.context === 'function' ? request.context() : request.context;
        const keys: Record<string, ContextValue> = {
          'aws:username': user?.name,
          'aws:userid': principal.userId,
          'aws:PrincipalArn': principal.kind === 'service' ? undefined : principalArn,
          'aws:PrincipalAccount': principal.kind === 'service' ? undefined : principal.account,
          'aws:PrincipalType': PRINCIPAL_TYPES[principal.kind],
          'aws:PrincipalIsAWSService': principal.kind === 'service' ? 'true' : 'false',
          'aws:PrincipalServiceName': principal.servicePrincipal,
          'aws:ViaAWSService': requestContext?.['aws:CalledVia'] ? 'true' : 'false',
          'aws:RequestedRegion': request.region,
          'aws:CurrentTime': new Date(now).toISOString(),
          'aws:EpochTime': String(Math.floor(now / 1000)),
          'aws:SecureTransport': 'false',
        };
        for (const tag of tags) keys[`aws:PrincipalTag/${tag.key}`] = tag.value;
        for (const [key, value] of Object.entries(principal.sessionTags ?? {})) keys[`aws:PrincipalTag/${key}`] = value;
        return Object.assign(keys, requestContext);
      };
      const input: EvaluationInput = {
        principal: {
          arn: principal.kind === 'root' ? principalArn : principal.arn,
          account: principal.account,
          kind: principal.kind,
          roleArn: role ? roleArn(role) : undefined,
          servicePrincipal: principal.servicePrincipal,
        },
        action: request.action,
        resource: request.resource,
        context,
        identityPolicies,
        resourcePolicy: request.resourcePolicy,
        resourcePolicyRequired: request.resourcePolicy?.required,
        resourceAccount: request.resourceAccount,
        permissionsBoundary: boundary,
        sessionPolicies: principal.sessionPolicies,
      };
      const result = evaluate(input);
      return { ...result, message: denialMessage(input.principal.arn, request.action, request.resource, result) };
    },
    principalTags(account, type, name) {
      return Object.fromEntries(store.tags(account, type, name).map((t) => [t.key, t.value]));
    },
    evaluateTrust(trustPolicy, caller, action, context) {
      return evaluateTrust(trustPolicy, caller, action, context);
    },
    roleTrusts(arn, caller) {
      const match = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
      const row = match && store.getEntity('role', match[1]!, match[2]!);
      if (!row || roleArn(row) !== arn) return false;
      const now = clock.now();
      const context = {
        'aws:PrincipalServiceName': caller.service,
        'aws:PrincipalIsAWSService': caller.kind === 'service' ? 'true' : 'false',
        'aws:SourceAccount': caller.kind === 'service' ? row.account : undefined,
        'aws:CurrentTime': new Date(now).toISOString(),
        'aws:EpochTime': String(Math.floor(now / 1000)),
      };
      return evaluateTrust(row.trust_policy, caller, 'sts:AssumeRole', context).decision === 'Allow';
    },
    recordRoleUse(account, roleName, region) {
      store.tx(() => {
        const row = store.getEntity('role', account, roleName);
        if (row) store.updateRole({ ...row, last_used_at: clock.now(), last_used_region: region });
      });
    },
  };
}
