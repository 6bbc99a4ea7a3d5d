/**
 * AWS::IAM::UserToGroupAddition: adds Users to the group GroupName. Ref and GetAtt Id are an id
 * CloudFormation generates (`<stack>-<LogicalId>-<random>`).
 */
import { requiredStringProp, stringListProp, unlessGone } from './foundation-helpers.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

function memberships(props: Properties): string[] {
  const group = requiredStringProp(props, 'GroupName');
  return (stringListProp(props, 'Users') ?? []).map((user) => `${group}\n${user}`);
}

async function apply(ctx: ProviderContext, add: string[], remove: string[]): Promise<void> {
  for (const membership of add) {
    const [GroupName, UserName] = membership.split('\n');
    await ctx.call('iam', 'AddUserToGroup', { GroupName, UserName });
  }
  for (const membership of remove) {
    const [GroupName, UserName] = membership.split('\n');
    await unlessGone(() => ctx.call('iam', 'RemoveUserFromGroup', { GroupName, UserName }), 'NoSuchEntityException');
  }
}

export const iamUserToGroupAdditionProvider: ResourceProvider = {
  async create(ctx, props) {
    await apply(ctx, memberships(props), []);
    const id = ctx.physicalName({ maxLength: 128 });
    return { physicalId: id, attributes: { Id: id } };
  },

  async update(ctx, current, props) {
    const before = memberships(current.props);
    const after = memberships(props);
    await apply(
      ctx,
      after.filter((membership) => !before.includes(membership)),
      before.filter((membership) => !after.includes(membership)),
    );
    return { physicalId: current.physicalId, attributes: { Id: current.physicalId } };
  },

  async delete(ctx, current) {
    await apply(ctx, [], memberships(current.props));
  },

  async read(ctx, current) {
    const GroupName = requiredStringProp(current.props, 'GroupName');
    const found = await unlessGone(() => ctx.call('iam', 'GetGroup', { GroupName }), 'NoSuchEntityException');
    if (!found) return undefined;
    const members = new Set((found.Users ?? []).map((user) => user.UserName));
    return { GroupName, Users: (stringListProp(current.props, 'Users') ?? []).filter((user) => members.has(user)) };
  },
};
