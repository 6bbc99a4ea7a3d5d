/** Managed policies and their versions, attachments, and inline policies of users, groups and roles. */
import type * as Iam from '@aws-sdk/client-iam';
import { AwsError } from '../../core/errors.js';
import { iamId } from '../../core/ids.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { alreadyExists, applyTags, deleteConflict, type IamContext, iamArn, limitExceeded, noSuchEntity, paginate, requireGroup, requireRole, requireUser, tagsOf, underPath } from './common.js';
import type { CredentialContext } from './credential-store.js';
import { awsManagedPolicies, awsManagedPolicy } from './managed-policies.js';
import { encodePolicyDocument, validatePolicyDocument } from './policy-document.js';
import { requireModifiableRole } from './service-linked-roles.js';
import type { EntityType, IamStore, UserRow } from './store.js';

const MAX_POLICY_VERSIONS = 5;
const MAX_MANAGED_POLICY_SIZE = 6144;
const MAX_ATTACHED_POLICIES = 10;
/** Aggregate inline policy size per entity, counted without whitespace as IAM does. */
const MAX_INLINE_SIZE: Record<EntityType, number> = { user: 2048, group: 5120, role: 10240 };

/** A managed policy, customer-managed (a row) or AWS-managed (the catalogue), as handlers see it. */
export interface ManagedPolicyView {
  arn: string;
  name: string;
  path: string;
  id: string;
  description: string | null;
  defaultVersion: string;
  createdAt: number;
  updatedAt: number;
  awsManaged: boolean;
}

const ENTITY_NOUN: Record<EntityType, 'User' | 'Group' | 'Role'> = { user: 'User', group: 'Group', role: 'Role' };

export function requireEntity(store: IamStore, account: string, type: EntityType, name: string): UserRow {
  if (type === 'user') return requireUser(store, account, name);
  if (type === 'group') return requireGroup(store, account, name);
  return requireRole(store, account, name);
}

export function findPolicy(store: IamStore, account: string, policyArn: string): ManagedPolicyView | undefined {
  const aws = awsManagedPolicy(policyArn);
  if (aws)
    return {
      arn: aws.arn,
      name: aws.name,
      path: aws.path,
      id: aws.id,
      description: aws.description,
      defaultVersion: aws.versionId,
      createdAt: aws.createdAt,
      updatedAt: aws.updatedAt,
      awsManaged: true,
    };
  const row = store.getPolicy(account, policyArn);
  if (!row) return undefined;
  return {
    arn: row.arn,
    name: row.name,
    path: row.path,
    id: row.id,
    description: row.description,
    defaultVersion: row.default_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    awsManaged: false,
  };
}

export function requirePolicy(store: IamStore, account: string, policyArn: string): ManagedPolicyView {
  const found = findPolicy(store, account, policyArn);
  if (!found) throw noSuchEntity(`Policy ${policyArn} does not exist or is not attachable.`);
  return found;
}

/** The default version's document of a managed policy (raw JSON text). */
export function defaultDocument(store: IamStore, account: string, policy: ManagedPolicyView): string {
  if (policy.awsManaged) return awsManagedPolicy(policy.arn)!.document;
  return store.getVersion(account, policy.arn, policy.defaultVersion)!.document;
}

function compactSize(document: string): number {
  return document.replace(/\s/g, '').length;
}

function policyOut(policy: ManagedPolicyView, attachmentCount: number, tags?: Iam.Tag[]): Iam.Policy {
  return {
    PolicyName: policy.name,
    PolicyId: policy.id,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersion,
    AttachmentCount: attachmentCount,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: policy.description ?? undefined,
    CreateDate: new Date(policy.createdAt),
    UpdateDate: new Date(policy.updatedAt),
    Tags: tags?.length ? tags : undefined,
  };
}

export function policyHandlers(context: CredentialContext): Handlers {
  return {
    ...managedPolicyHandlers(context),
    ...policyVersionHandlers(context),
    ...attachmentHandlers(context, 'user'),
    ...attachmentHandlers(context, 'group'),
    ...attachmentHandlers(context, 'role'),
  };
}

/** Customer-managed policies only: AWS managed policies are read-only. */
function requireOwnPolicy(store: IamStore, account: string, policyArn: string): ManagedPolicyView {
  const policy = requirePolicy(store, account, policyArn);
  if (policy.awsManaged) throw new AwsError('AccessDenied', `Policy ${policyArn} is an AWS managed policy and cannot be modified.`, { status: 403 });
  return policy;
}

function versionOut(store: IamStore, account: string, policy: ManagedPolicyView, versionId: string): Iam.PolicyVersion {
  if (policy.awsManaged) {
    if (versionId !== policy.defaultVersion) throw noSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`);
    return { Document: encodePolicyDocument(defaultDocument(store, account, policy)), VersionId: versionId, IsDefaultVersion: true, CreateDate: new Date(policy.updatedAt) };
  }
  const row = store.getVersion(account, policy.arn, versionId);
  if (!row) throw noSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`);
  return { Document: encodePolicyDocument(row.document), VersionId: row.version_id, IsDefaultVersion: row.version_id === policy.defaultVersion, CreateDate: new Date(row.created_at) };
}

/** Attached managed policies and inline policies of one kind of entity. */
function attachmentHandlers({ store, rt, credentials }: CredentialContext, type: EntityType): Handlers {
  const now = () => rt.clock.now();
  const noun = ENTITY_NOUN[type];
  const nameOf = (input: Record<string, string>) => input[`${noun}Name`];
  // Service-linked roles take policies only from their service.
  const requireChangeable = (account: string, name: string) => {
    const entity = requireEntity(store, account, type, name);
    return type === 'role' ? requireModifiableRole(credentials, entity) : entity;
  };
  return {
    [`Attach${noun}Policy`](input: Record<string, string>, ctx: RequestContext) {
      store.tx(() => {
        const entity = requireChangeable(ctx.account, nameOf(input));
        const policy = requirePolicy(store, ctx.account, input.PolicyArn);
        const attached = store.attachedTo(ctx.account, type, entity.name);
        if (attached.some((a) => a.policy_arn === policy.arn)) return;
        if (attached.length >= MAX_ATTACHED_POLICIES) throw limitExceeded(`Cannot exceed quota for PoliciesPer${noun}: ${MAX_ATTACHED_POLICIES}`);
        store.attach(ctx.account, type, entity.name, policy.arn, now());
      });
      return {};
    },
    [`Detach${noun}Policy`](input: Record<string, string>, ctx: RequestContext) {
      store.tx(() => {
        const entity = requireChangeable(ctx.account, nameOf(input));
        requirePolicy(store, ctx.account, input.PolicyArn);
        if (!store.detach(ctx.account, type, entity.name, input.PolicyArn)) throw noSuchEntity(`Policy ${input.PolicyArn} was not found.`);
      });
      return {};
    },
    [`ListAttached${noun}Policies`](input: Record<string, string> & Iam.ListAttachedUserPoliciesRequest, ctx: RequestContext) {
      const entity = requireEntity(store, ctx.account, type, nameOf(input));
      const policies = store
        .attachedTo(ctx.account, type, entity.name)
        .map((a) => findPolicy(store, ctx.account, a.policy_arn))
        .filter((p): p is ManagedPolicyView => p !== undefined && underPath(p.path, input.PathPrefix));
      const page = paginate(policies, (p) => p.arn, input);
      return { AttachedPolicies: page.items.map((p) => ({ PolicyName: p.name, PolicyArn: p.arn })), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    [`Put${noun}Policy`](input: Record<string, string>, ctx: RequestContext) {
      validatePolicyDocument(input.PolicyDocument, 'identity', ctx.region);
      store.tx(() => {
        const entity = requireChangeable(ctx.account, nameOf(input));
        const others = store.listInline(ctx.account, type, entity.name).filter((p) => p.policy_name.toLowerCase() !== input.PolicyName.toLowerCase());
        const size = others.reduce((n, p) => n + compactSize(p.document), compactSize(input.PolicyDocument));
        if (size > MAX_INLINE_SIZE[type]) throw limitExceeded(`Maximum policy size of ${MAX_INLINE_SIZE[type]} bytes exceeded for ${type} ${entity.name}`);
        store.putInline({ account: ctx.account, entity_type: type, entity_name: entity.name, policy_name: input.PolicyName, document: input.PolicyDocument });
      });
      return {};
    },
    [`Get${noun}Policy`](input: Record<string, string>, ctx: RequestContext) {
      const entity = requireEntity(store, ctx.account, type, nameOf(input));
      const row = store.getInline(ctx.account, type, entity.name, input.PolicyName);
      if (!row) throw noSuchEntity(`The ${type} policy with name ${input.PolicyName} cannot be found.`);
      return { [`${noun}Name`]: entity.name, PolicyName: row.policy_name, PolicyDocument: encodePolicyDocument(row.document) };
    },
    [`List${noun}Policies`](input: Record<string, string> & Iam.ListUserPoliciesRequest, ctx: RequestContext) {
      const entity = requireEntity(store, ctx.account, type, nameOf(input));
      const page = paginate(
        store.listInline(ctx.account, type, entity.name).map((p) => p.policy_name),
        (name) => name.toLowerCase(),
        input,
      );
      return { PolicyNames: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    [`Delete${noun}Policy`](input: Record<string, string>, ctx: RequestContext) {
      store.tx(() => {
        const entity = requireChangeable(ctx.account, nameOf(input));
        if (!store.deleteInline(ctx.account, type, entity.name, input.PolicyName)) throw noSuchEntity(`The ${type} policy with name ${input.PolicyName} cannot be found.`);
      });
      return {};
    },
  };
}

/** Customer-managed policies (and the AWS managed catalogue, read-only): lifecycle, entities and tags. */
function managedPolicyHandlers({ store, rt, credentials }: CredentialContext): Handlers {
  const now = () => rt.clock.now();
  return {
    CreatePolicy(input: Iam.CreatePolicyRequest, ctx: RequestContext): Iam.CreatePolicyResponse {
      validatePolicyDocument(input.PolicyDocument!, 'managed', ctx.region);
      if (compactSize(input.PolicyDocument!) > MAX_MANAGED_POLICY_SIZE) throw limitExceeded(`Cannot exceed quota for PolicySize: ${MAX_MANAGED_POLICY_SIZE}`);
      return store.tx(() => {
        if (store.getPolicyByName(ctx.account, input.PolicyName!)) throw alreadyExists(`A policy called ${input.PolicyName} already exists. Duplicate names are not allowed.`);
        const at = now();
        const path = input.Path ?? '/';
        const row = {
          account: ctx.account,
          arn: iamArn(ctx.account, 'policy', path, input.PolicyName!),
          name: input.PolicyName!,
          path,
          id: iamId('ANPA'),
          description: input.Description ?? null,
          default_version: 'v1',
          next_version: 2,
          created_at: at,
          updated_at: at,
        };
        store.insertPolicy(row);
        store.insertVersion({ account: ctx.account, policy_arn: row.arn, version_id: 'v1', document: input.PolicyDocument!, created_at: at });
        applyTags(store, ctx.account, 'policy', row.arn, input.Tags);
        const view = findPolicy(store, ctx.account, row.arn)!;
        // CreatePolicy's answer leaves the description out, as IAM's does (GetPolicy has it).
        return { Policy: { ...policyOut(view, 0, tagsOf(store, ctx.account, 'policy', row.arn)), Description: undefined } };
      });
    },
    GetPolicy(input: Iam.GetPolicyRequest, ctx: RequestContext): Iam.GetPolicyResponse {
      const policy = requirePolicy(store, ctx.account, input.PolicyArn!);
      const count = store.attachmentsOf(ctx.account, policy.arn).length;
      // GetPolicy answers Tags even when there are none (an empty list), as IAM does.
      return {
        Policy: { ...policyOut(policy, count), PermissionsBoundaryUsageCount: credentials.boundaryUsage(ctx.account, policy.arn), Tags: tagsOf(store, ctx.account, 'policy', policy.arn) },
      };
    },
    ListPolicies(input: Iam.ListPoliciesRequest, ctx: RequestContext): Iam.ListPoliciesResponse {
      const scope = input.Scope ?? 'All';
      const counts = store.attachmentCounts(ctx.account);
      const policies: ManagedPolicyView[] = [];
      if (scope !== 'Local') for (const p of awsManagedPolicies()) policies.push(findPolicy(store, ctx.account, p.arn)!);
      if (scope !== 'AWS') for (const row of store.listPolicies(ctx.account)) policies.push(findPolicy(store, ctx.account, row.arn)!);
      const matching = policies
        .filter((p) => underPath(p.path, input.PathPrefix) && (!input.OnlyAttached || (counts.get(p.arn) ?? 0) > 0))
        .sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : 0));
      const page = paginate(matching, (p) => p.name.toLowerCase(), input);
      // ListPolicies leaves descriptions out, as IAM does (GetPolicy has them).
      return {
        Policies: page.items.map((p) => ({ ...policyOut(p, counts.get(p.arn) ?? 0), PermissionsBoundaryUsageCount: credentials.boundaryUsage(ctx.account, p.arn), Description: undefined })),
        IsTruncated: page.IsTruncated,
        Marker: page.Marker,
      };
    },
    DeletePolicy(input: Iam.DeletePolicyRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const policy = requireOwnPolicy(store, ctx.account, input.PolicyArn!);
        if (store.attachmentsOf(ctx.account, policy.arn).length) throw deleteConflict('Cannot delete a policy attached to entities.');
        if (store.listVersions(ctx.account, policy.arn).length > 1) {
          throw deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
        }
        store.deletePolicy(ctx.account, policy.arn);
      });
      return {};
    },
    ListEntitiesForPolicy(input: Iam.ListEntitiesForPolicyRequest, ctx: RequestContext): Iam.ListEntitiesForPolicyResponse {
      const policy = requirePolicy(store, ctx.account, input.PolicyArn!);
      const filter = input.EntityFilter;
      const wanted = (type: EntityType) => !filter || filter === ENTITY_NOUN[type] || filter === 'LocalManagedPolicy' || filter === 'AWSManagedPolicy';
      const entities = store
        .attachmentsOf(ctx.account, policy.arn)
        .filter((a) => wanted(a.entity_type))
        .map((a) => ({ type: a.entity_type, row: requireEntity(store, ctx.account, a.entity_type, a.entity_name) }))
        .filter((e) => underPath(e.row.path, input.PathPrefix));
      const page = paginate(entities, (e) => `${e.type}:${e.row.name.toLowerCase()}`, input);
      const of = (type: EntityType) => page.items.filter((e) => e.type === type).map((e) => e.row);
      return {
        PolicyGroups: of('group').map((r) => ({ GroupName: r.name, GroupId: r.id })),
        PolicyUsers: of('user').map((r) => ({ UserName: r.name, UserId: r.id })),
        PolicyRoles: of('role').map((r) => ({ RoleName: r.name, RoleId: r.id })),
        IsTruncated: page.IsTruncated,
        Marker: page.Marker,
      };
    },
    TagPolicy(input: Iam.TagPolicyRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => applyTags(store, ctx.account, 'policy', requireOwnPolicy(store, ctx.account, input.PolicyArn!).arn, input.Tags));
      return {};
    },
    UntagPolicy(input: Iam.UntagPolicyRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const policy = requireOwnPolicy(store, ctx.account, input.PolicyArn!);
        for (const key of input.TagKeys!) store.deleteTag(ctx.account, 'policy', policy.arn, key);
      });
      return {};
    },
    ListPolicyTags(input: Iam.ListPolicyTagsRequest, ctx: RequestContext): Iam.ListPolicyTagsResponse {
      const policy = requirePolicy(store, ctx.account, input.PolicyArn!);
      const page = paginate(tagsOf(store, ctx.account, 'policy', policy.arn), (t) => t.Key!.toLowerCase(), input);
      return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
  };
}

/** Versions of managed policies. */
function policyVersionHandlers({ store, rt }: IamContext): Handlers {
  const now = () => rt.clock.now();
  return {
    CreatePolicyVersion(input: Iam.CreatePolicyVersionRequest, ctx: RequestContext): Iam.CreatePolicyVersionResponse {
      validatePolicyDocument(input.PolicyDocument!, 'managed', ctx.region);
      if (compactSize(input.PolicyDocument!) > MAX_MANAGED_POLICY_SIZE) throw limitExceeded(`Cannot exceed quota for PolicySize: ${MAX_MANAGED_POLICY_SIZE}`);
      return store.tx(() => {
        const policy = requireOwnPolicy(store, ctx.account, input.PolicyArn!);
        const row = store.getPolicy(ctx.account, policy.arn)!;
        if (store.listVersions(ctx.account, policy.arn).length >= MAX_POLICY_VERSIONS) {
          throw limitExceeded(`A managed policy can have up to ${MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version.`);
        }
        const at = now();
        const versionId = `v${row.next_version}`;
        store.insertVersion({ account: ctx.account, policy_arn: policy.arn, version_id: versionId, document: input.PolicyDocument!, created_at: at });
        const defaultVersion = input.SetAsDefault ? versionId : row.default_version;
        store.updatePolicyVersions(ctx.account, policy.arn, defaultVersion, row.next_version + 1, at);
        return { PolicyVersion: { VersionId: versionId, IsDefaultVersion: defaultVersion === versionId, CreateDate: new Date(at) } };
      });
    },
    GetPolicyVersion(input: Iam.GetPolicyVersionRequest, ctx: RequestContext): Iam.GetPolicyVersionResponse {
      return { PolicyVersion: versionOut(store, ctx.account, requirePolicy(store, ctx.account, input.PolicyArn!), input.VersionId!) };
    },
    ListPolicyVersions(input: Iam.ListPolicyVersionsRequest, ctx: RequestContext): Iam.ListPolicyVersionsResponse {
      const policy = requirePolicy(store, ctx.account, input.PolicyArn!);
      const versions = policy.awsManaged
        ? [versionOut(store, ctx.account, policy, policy.defaultVersion)]
        : store.listVersions(ctx.account, policy.arn).map((v) => ({ VersionId: v.version_id, IsDefaultVersion: v.version_id === policy.defaultVersion, CreateDate: new Date(v.created_at) }));
      // Newest first, as IAM lists them; the marker key must grow along the list, hence the inversion.
      const page = paginate(
        versions.map((v) => ({ ...v, Document: undefined })),
        (v) => String(1e9 - Number(v.VersionId!.slice(1))).padStart(10, '0'),
        input,
      );
      return { Versions: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    DeletePolicyVersion(input: Iam.DeletePolicyVersionRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const policy = requireOwnPolicy(store, ctx.account, input.PolicyArn!);
        if (!store.getVersion(ctx.account, policy.arn, input.VersionId!)) throw noSuchEntity(`Policy ${policy.arn} version ${input.VersionId} does not exist or is not attachable.`);
        if (input.VersionId === policy.defaultVersion) throw deleteConflict('Cannot delete the default version of a policy.');
        store.deleteVersion(ctx.account, policy.arn, input.VersionId!);
      });
      return {};
    },
    SetDefaultPolicyVersion(input: Iam.SetDefaultPolicyVersionRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const policy = requireOwnPolicy(store, ctx.account, input.PolicyArn!);
        if (!store.getVersion(ctx.account, policy.arn, input.VersionId!)) throw noSuchEntity(`Policy ${policy.arn} version ${input.VersionId} does not exist or is not attachable.`);
        const row = store.getPolicy(ctx.account, policy.arn)!;
        store.updatePolicyVersions(ctx.account, policy.arn, input.VersionId!, row.next_version, now());
      });
      return {};
    },
  };
}
