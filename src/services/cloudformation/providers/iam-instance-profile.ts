/**
 * AWS::IAM::InstanceProfile: CreateInstanceProfile and AddRoleToInstanceProfile (IAM allows one
 * role). Ref is the profile name; GetAtt Arn. Without InstanceProfileName, AWS's generated name of
 * at most 128 characters.
 */
import { givenOrIntendedName, stringListProp, stringProp, unlessGone } from './foundation-helpers.js';
import type { ProviderContext, ResourceProvider } from './types.js';

async function syncRoles(ctx: ProviderContext, InstanceProfileName: string, before: string[], after: string[]): Promise<void> {
  for (const RoleName of before) {
    if (!after.includes(RoleName)) await unlessGone(() => ctx.call('iam', 'RemoveRoleFromInstanceProfile', { InstanceProfileName, RoleName }), 'NoSuchEntityException');
  }
  for (const RoleName of after) if (!before.includes(RoleName)) await ctx.call('iam', 'AddRoleToInstanceProfile', { InstanceProfileName, RoleName });
}

export const iamInstanceProfileProvider: ResourceProvider = {
  async create(ctx, props) {
    const { InstanceProfile } = await ctx.call('iam', 'CreateInstanceProfile', {
      InstanceProfileName: givenOrIntendedName(ctx, stringProp(props, 'InstanceProfileName'), { maxLength: 128 }),
      Path: stringProp(props, 'Path'),
    });
    const name = InstanceProfile!.InstanceProfileName!;
    await syncRoles(ctx, name, [], stringListProp(props, 'Roles') ?? []);
    return { physicalId: name, attributes: { Arn: InstanceProfile!.Arn } };
  },

  async update(ctx, current, props) {
    await syncRoles(ctx, current.physicalId, stringListProp(current.props, 'Roles') ?? [], stringListProp(props, 'Roles') ?? []);
    return { physicalId: current.physicalId, attributes: current.attributes };
  },

  async delete(ctx, current) {
    const found = await unlessGone(() => ctx.call('iam', 'GetInstanceProfile', { InstanceProfileName: current.physicalId }), 'NoSuchEntityException');
    if (!found) return;
    const roles = (found.InstanceProfile?.Roles ?? []).map((role) => role.RoleName!);
    await syncRoles(ctx, current.physicalId, roles, []);
    await unlessGone(() => ctx.call('iam', 'DeleteInstanceProfile', { InstanceProfileName: current.physicalId }), 'NoSuchEntityException');
  },

  async read(ctx, current) {
    const found = await unlessGone(() => ctx.call('iam', 'GetInstanceProfile', { InstanceProfileName: current.physicalId }), 'NoSuchEntityException');
    const profile = found?.InstanceProfile;
    if (!profile) return undefined;
    return {
      Roles: (profile.Roles ?? []).map((role) => role.RoleName),
      ...(current.props.InstanceProfileName !== undefined && { InstanceProfileName: profile.InstanceProfileName }),
      ...((current.props.Path !== undefined || profile.Path !== '/') && { Path: profile.Path }),
    };
  },
};
