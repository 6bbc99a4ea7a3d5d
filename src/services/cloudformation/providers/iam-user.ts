/**
 * AWS::IAM::User: CreateUser (path, boundary, tags), its groups, login profile, inline Policies and
 * ManagedPolicyArns. Ref is the user name; GetAtt Arn. Without UserName, AWS's generated name of
 * at most 64 characters. Delete empties the user first (groups, policies, login profile), as IAM
 * refuses to delete a user that still has them.
 */
import { booleanProp, givenOrIntendedName, objectProp, requiredStringProp, sameValue, stringListProp, stringProp, tagChanges, tagListProp, unlessGone } from './foundation-helpers.js';
import { readPolicies, removeAllPolicies, syncPolicies } from './iam-principal-policies.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

async function syncGroups(ctx: ProviderContext, UserName: string, before: string[], after: string[]): Promise<void> {
  for (const GroupName of after) if (!before.includes(GroupName)) await ctx.call('iam', 'AddUserToGroup', { UserName, GroupName });
  for (const GroupName of before) {
    if (!after.includes(GroupName)) await unlessGone(() => ctx.call('iam', 'RemoveUserFromGroup', { UserName, GroupName }), 'NoSuchEntityException');
  }
}

async function syncLoginProfile(ctx: ProviderContext, UserName: string, before: Properties | undefined, after: Properties | undefined): Promise<void> {
  if (sameValue(before, after)) return;
  if (!after) {
    await unlessGone(() => ctx.call('iam', 'DeleteLoginProfile', { UserName }), 'NoSuchEntityException');
    return;
  }
  const input = { UserName, Password: requiredStringProp(after, 'Password'), PasswordResetRequired: booleanProp(after, 'PasswordResetRequired') };
  if (before) await ctx.call('iam', 'UpdateLoginProfile', input);
  else await ctx.call('iam', 'CreateLoginProfile', input);
}

export const iamUserProvider: ResourceProvider = {
  async create(ctx, props) {
    const tags = tagListProp(props);
    const { User } = await ctx.call('iam', 'CreateUser', {
      UserName: givenOrIntendedName(ctx, stringProp(props, 'UserName'), { maxLength: 64 }),
      Path: stringProp(props, 'Path'),
      PermissionsBoundary: stringProp(props, 'PermissionsBoundary'),
      Tags: tags?.length ? tags : undefined,
    });
    const UserName = User!.UserName!;
    await syncLoginProfile(ctx, UserName, undefined, objectProp(props, 'LoginProfile'));
    await syncGroups(ctx, UserName, [], stringListProp(props, 'Groups') ?? []);
    await syncPolicies(ctx, 'User', UserName, {}, props);
    return { physicalId: UserName, attributes: { Arn: User!.Arn } };
  },

  async update(ctx, current, props) {
    const UserName = current.physicalId;
    const path = stringProp(props, 'Path') ?? '/';
    if (path !== (stringProp(current.props, 'Path') ?? '/')) await ctx.call('iam', 'UpdateUser', { UserName, NewPath: path });
    const boundary = stringProp(props, 'PermissionsBoundary');
    if (!sameValue(current.props.PermissionsBoundary, boundary)) {
      if (boundary) await ctx.call('iam', 'PutUserPermissionsBoundary', { UserName, PermissionsBoundary: boundary });
      else await ctx.call('iam', 'DeleteUserPermissionsBoundary', { UserName });
    }
    const { set, removed } = tagChanges(tagListProp(current.props), tagListProp(props));
    if (removed.length) await ctx.call('iam', 'UntagUser', { UserName, TagKeys: removed });
    if (set.length) await ctx.call('iam', 'TagUser', { UserName, Tags: set });
    await syncLoginProfile(ctx, UserName, objectProp(current.props, 'LoginProfile'), objectProp(props, 'LoginProfile'));
    await syncGroups(ctx, UserName, stringListProp(current.props, 'Groups') ?? [], stringListProp(props, 'Groups') ?? []);
    await syncPolicies(ctx, 'User', UserName, current.props, props);
    const { User } = await ctx.call('iam', 'GetUser', { UserName });
    return { physicalId: UserName, attributes: { Arn: User!.Arn } };
  },

  async delete(ctx, current) {
    const UserName = current.physicalId;
    const groups = await unlessGone(() => ctx.call('iam', 'ListGroupsForUser', { UserName }), 'NoSuchEntityException');
    if (!groups) return;
    await syncGroups(
      ctx,
      UserName,
      (groups.Groups ?? []).map((group) => group.GroupName!),
      [],
    );
    await unlessGone(() => ctx.call('iam', 'DeleteLoginProfile', { UserName }), 'NoSuchEntityException');
    await removeAllPolicies(ctx, 'User', UserName);
    await unlessGone(() => ctx.call('iam', 'DeleteUser', { UserName }), 'NoSuchEntityException');
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('iam', 'GetUser', { UserName: current.physicalId }), 'NoSuchEntityException');
    const user = found?.User;
    if (!user) return undefined;
    const groups = await ctx.call('iam', 'ListGroupsForUser', { UserName: current.physicalId });
    return {
      ...(current.props.UserName !== undefined && { UserName: user.UserName }),
      ...((current.props.Path !== undefined || user.Path !== '/') && { Path: user.Path }),
      ...(user.PermissionsBoundary?.PermissionsBoundaryArn && { PermissionsBoundary: user.PermissionsBoundary.PermissionsBoundaryArn }),
      ...(user.Tags?.length && { Tags: user.Tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })) }),
      ...(groups.Groups?.length && { Groups: groups.Groups.map((group) => group.GroupName) }),
      ...(current.props.LoginProfile !== undefined && { LoginProfile: current.props.LoginProfile }),
      ...(await readPolicies(ctx, 'User', current.physicalId)),
    };
  },
};
