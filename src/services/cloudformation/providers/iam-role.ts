/**
 * AWS::IAM::Role: CreateRole (trust policy, path, description, session duration, boundary, tags),
 * then its inline Policies and ManagedPolicyArns. Ref is the role name; GetAtt Arn and RoleId.
 * Without RoleName, AWS's generated name of at most 64 characters.
 */
import { givenOrIntendedName, integerProp, jsonDocumentProp, requiredStringProp, sameValue, stringProp, tagChanges, tagListProp, unlessGone } from './foundation-helpers.js';
import { readPolicies, removeAllPolicies, syncPolicies } from './iam-principal-policies.js';
import type { ProvidedResource, ResourceProvider } from './types.js';

function provided(role: { RoleName?: string; Arn?: string; RoleId?: string }): ProvidedResource {
  return { physicalId: role.RoleName ?? '', attributes: { Arn: role.Arn, RoleId: role.RoleId } };
}

export const iamRoleProvider: ResourceProvider = {
  async create(ctx, props) {
    const tags = tagListProp(props);
    const created = await ctx.call('iam', 'CreateRole', {
      RoleName: givenOrIntendedName(ctx, stringProp(props, 'RoleName'), { maxLength: 64 }),
      Path: stringProp(props, 'Path'),
      AssumeRolePolicyDocument: jsonDocumentProp(props, 'AssumeRolePolicyDocument') ?? requiredStringProp(props, 'AssumeRolePolicyDocument'),
      Description: stringProp(props, 'Description'),
      MaxSessionDuration: integerProp(props, 'MaxSessionDuration'),
      PermissionsBoundary: stringProp(props, 'PermissionsBoundary'),
      Tags: tags?.length ? tags : undefined,
    });
    const role = created.Role!;
    await syncPolicies(ctx, 'Role', role.RoleName!, {}, props);
    return provided(role);
  },

  async update(ctx, current, props) {
    const RoleName = current.physicalId;
    if (!sameValue(current.props.AssumeRolePolicyDocument, props.AssumeRolePolicyDocument)) {
      await ctx.call('iam', 'UpdateAssumeRolePolicy', { RoleName, PolicyDocument: jsonDocumentProp(props, 'AssumeRolePolicyDocument') ?? '' });
    }
    if (!sameValue(current.props.Description, props.Description) || !sameValue(current.props.MaxSessionDuration, props.MaxSessionDuration)) {
      // Removed properties go back to IAM's defaults: no description, one hour.
      await ctx.call('iam', 'UpdateRole', { RoleName, Description: stringProp(props, 'Description') ?? '', MaxSessionDuration: integerProp(props, 'MaxSessionDuration') ?? 3600 });
    }
    const boundary = stringProp(props, 'PermissionsBoundary');
    if (!sameValue(current.props.PermissionsBoundary, boundary)) {
      if (boundary) await ctx.call('iam', 'PutRolePermissionsBoundary', { RoleName, PermissionsBoundary: boundary });
      else await ctx.call('iam', 'DeleteRolePermissionsBoundary', { RoleName });
    }
    const { set, removed } = tagChanges(tagListProp(current.props), tagListProp(props));
    if (removed.length) await ctx.call('iam', 'UntagRole', { RoleName, TagKeys: removed });
    if (set.length) await ctx.call('iam', 'TagRole', { RoleName, Tags: set });
    await syncPolicies(ctx, 'Role', RoleName, current.props, props);
    const { Role } = await ctx.call('iam', 'GetRole', { RoleName });
    return provided(Role!);
  },

  async delete(ctx, current) {
    const RoleName = current.physicalId;
    await removeAllPolicies(ctx, 'Role', RoleName);
    await unlessGone(() => ctx.call('iam', 'DeleteRole', { RoleName }), 'NoSuchEntityException');
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('iam', 'GetRole', { RoleName: current.physicalId }), 'NoSuchEntityException');
    const role = found?.Role;
    if (!role) return undefined;
    const actual = {
      AssumeRolePolicyDocument: JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument ?? '{}')) as unknown,
      ...(current.props.RoleName !== undefined && { RoleName: role.RoleName }),
      ...((current.props.Path !== undefined || role.Path !== '/') && { Path: role.Path }),
      ...(role.Description && { Description: role.Description }),
      ...((current.props.MaxSessionDuration !== undefined || role.MaxSessionDuration !== 3600) && { MaxSessionDuration: role.MaxSessionDuration }),
      ...(role.PermissionsBoundary?.PermissionsBoundaryArn && { PermissionsBoundary: role.PermissionsBoundary.PermissionsBoundaryArn }),
      ...(role.Tags?.length && { Tags: role.Tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })) }),
      ...(await readPolicies(ctx, 'Role', current.physicalId)),
    };
    return actual;
  },
};
