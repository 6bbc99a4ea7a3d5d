/**
 * AWS::IAM::ManagedPolicy: CreatePolicy, attached to its Groups, Roles and Users; a new document is
 * a new default version (the oldest non-default version is deleted first when IAM's five are used).
 * Ref is the policy ARN; GetAtt PolicyArn, PolicyId, AttachmentCount, CreateDate,
 * DefaultVersionId, IsAttachable, PermissionsBoundaryUsageCount, UpdateDate. Without
 * ManagedPolicyName, AWS's generated name of at most 128 characters.
 */
import type { Policy } from '@aws-sdk/client-iam';
import { jsonDocumentProp, requiredStringProp, sameValue, stringListProp, stringProp, unlessGone } from './foundation-helpers.js';
import type { PrincipalKind } from './iam-principal-policies.js';
import { nameMember } from './iam-principal-policies.js';
import type { Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

const MAX_VERSIONS = 5;

const ATTACHMENTS: [PrincipalKind, string][] = [
  ['Group', 'Groups'],
  ['Role', 'Roles'],
  ['User', 'Users'],
];

async function syncAttachments(ctx: ProviderContext, PolicyArn: string, before: Properties, after: Properties): Promise<void> {
  for (const [kind, property] of ATTACHMENTS) {
    const previous = stringListProp(before, property) ?? [];
    const next = stringListProp(after, property) ?? [];
    for (const name of next) {
      if (!previous.includes(name)) await ctx.invoke({ service: 'iam', operation: `Attach${kind}Policy`, input: { [nameMember(kind)]: name, PolicyArn } });
    }
    for (const name of previous) {
      if (next.includes(name)) continue;
      await unlessGone(() => ctx.invoke({ service: 'iam', operation: `Detach${kind}Policy`, input: { [nameMember(kind)]: name, PolicyArn } }), 'NoSuchEntityException');
    }
  }
}

function document(props: Properties): string {
  return jsonDocumentProp(props, 'PolicyDocument') ?? requiredStringProp(props, 'PolicyDocument');
}

function provided(policy: Policy): ProvidedResource {
  return {
    physicalId: policy.Arn!,
    attributes: {
      PolicyArn: policy.Arn,
      PolicyId: policy.PolicyId,
      AttachmentCount: policy.AttachmentCount,
      CreateDate: policy.CreateDate?.toISOString(),
      UpdateDate: policy.UpdateDate?.toISOString(),
      DefaultVersionId: policy.DefaultVersionId,
      IsAttachable: policy.IsAttachable,
      PermissionsBoundaryUsageCount: policy.PermissionsBoundaryUsageCount,
    },
  };
}

async function currentPolicy(ctx: ProviderContext, PolicyArn: string): Promise<Policy> {
  return (await ctx.call('iam', 'GetPolicy', { PolicyArn })).Policy!;
}

export const iamManagedPolicyProvider: ResourceProvider = {
  async create(ctx, props) {
    const { Policy: created } = await ctx.call('iam', 'CreatePolicy', {
      PolicyName: stringProp(props, 'ManagedPolicyName') ?? ctx.physicalName({ maxLength: 128 }),
      Path: stringProp(props, 'Path'),
      Description: stringProp(props, 'Description'),
      PolicyDocument: document(props),
    });
    await syncAttachments(ctx, created!.Arn!, {}, props);
    return provided(await currentPolicy(ctx, created!.Arn!));
  },

  async update(ctx, current, props) {
    const PolicyArn = current.physicalId;
    if (!sameValue(current.props.PolicyDocument, props.PolicyDocument)) {
      const { Versions = [] } = await ctx.call('iam', 'ListPolicyVersions', { PolicyArn });
      if (Versions.length >= MAX_VERSIONS) {
        const oldest = Versions.filter((version) => !version.IsDefaultVersion).sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0))[0];
        if (oldest?.VersionId) await ctx.call('iam', 'DeletePolicyVersion', { PolicyArn, VersionId: oldest.VersionId });
      }
      await ctx.call('iam', 'CreatePolicyVersion', { PolicyArn, PolicyDocument: document(props), SetAsDefault: true });
    }
    await syncAttachments(ctx, PolicyArn, current.props, props);
    return provided(await currentPolicy(ctx, PolicyArn));
  },

  async delete(ctx, current) {
    const PolicyArn = current.physicalId;
    await syncAttachments(ctx, PolicyArn, current.props, {});
    const versions = await unlessGone(() => ctx.call('iam', 'ListPolicyVersions', { PolicyArn }), 'NoSuchEntityException');
    if (!versions) return;
    for (const version of versions.Versions ?? []) {
      if (!version.IsDefaultVersion && version.VersionId) await unlessGone(() => ctx.call('iam', 'DeletePolicyVersion', { PolicyArn, VersionId: version.VersionId }), 'NoSuchEntityException');
    }
    // Still attached to principals outside the stack: DeleteConflict fails the delete, as on AWS.
    await unlessGone(() => ctx.call('iam', 'DeletePolicy', { PolicyArn }), 'NoSuchEntityException');
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('iam', 'GetPolicy', { PolicyArn: current.physicalId }), 'NoSuchEntityException');
    const policy = found?.Policy;
    if (!policy) return undefined;
    const version = await ctx.call('iam', 'GetPolicyVersion', { PolicyArn: current.physicalId, VersionId: policy.DefaultVersionId });
    const entities = await ctx.call('iam', 'ListEntitiesForPolicy', { PolicyArn: current.physicalId });
    return {
      PolicyDocument: JSON.parse(decodeURIComponent(version.PolicyVersion?.Document ?? '{}')) as unknown,
      ...(current.props.ManagedPolicyName !== undefined && { ManagedPolicyName: policy.PolicyName }),
      ...((current.props.Path !== undefined || policy.Path !== '/') && { Path: policy.Path }),
      ...(policy.Description && { Description: policy.Description }),
      ...(entities.PolicyGroups?.length && { Groups: entities.PolicyGroups.map((group) => group.GroupName) }),
      ...(entities.PolicyRoles?.length && { Roles: entities.PolicyRoles.map((role) => role.RoleName) }),
      ...(entities.PolicyUsers?.length && { Users: entities.PolicyUsers.map((user) => user.UserName) }),
    };
  },
};
