/**
 * AWS::IAM::Group: CreateGroup with its inline Policies and ManagedPolicyArns. Ref is the group
 * name; GetAtt Arn. Without GroupName, AWS's generated name of at most 128 characters.
 */
import { givenOrIntendedName, stringProp, unlessGone } from './foundation-helpers.js';
import { readPolicies, removeAllPolicies, syncPolicies } from './iam-principal-policies.js';
import type { ResourceProvider } from './types.js';

export const iamGroupProvider: ResourceProvider = {
  async create(ctx, props) {
    const { Group } = await ctx.call('iam', 'CreateGroup', { GroupName: givenOrIntendedName(ctx, stringProp(props, 'GroupName'), { maxLength: 128 }), Path: stringProp(props, 'Path') });
    await syncPolicies(ctx, 'Group', Group!.GroupName!, {}, props);
    return { physicalId: Group!.GroupName!, attributes: { Arn: Group!.Arn } };
  },

  async update(ctx, current, props) {
    const GroupName = current.physicalId;
    const path = stringProp(props, 'Path') ?? '/';
    if (path !== (stringProp(current.props, 'Path') ?? '/')) await ctx.call('iam', 'UpdateGroup', { GroupName, NewPath: path });
    await syncPolicies(ctx, 'Group', GroupName, current.props, props);
    const { Group } = await ctx.call('iam', 'GetGroup', { GroupName });
    return { physicalId: GroupName, attributes: { Arn: Group!.Arn } };
  },

  async delete(ctx, current) {
    await removeAllPolicies(ctx, 'Group', current.physicalId);
    // A group that still has members fails to delete, as on AWS (UserToGroupAddition removes the stack's own first).
    await unlessGone(() => ctx.call('iam', 'DeleteGroup', { GroupName: current.physicalId }), 'NoSuchEntityException');
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('iam', 'GetGroup', { GroupName: current.physicalId }), 'NoSuchEntityException');
    const group = found?.Group;
    if (!group) return undefined;
    return {
      ...(current.props.GroupName !== undefined && { GroupName: group.GroupName }),
      ...((current.props.Path !== undefined || group.Path !== '/') && { Path: group.Path }),
      ...(await readPolicies(ctx, 'Group', current.physicalId)),
    };
  },
};
