/** Users, groups, roles and instance profiles: their lifecycle, membership and tags. */
import type * as Iam from '@aws-sdk/client-iam';
import { AwsError } from '../../core/errors.js';
import { iamId } from '../../core/ids.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { boundaryOut, setBoundary } from './boundaries.js';
import {
  alreadyExists,
  applyTags,
  byName,
  deleteConflict,
  groupOut,
  type IamContext,
  instanceProfileOut,
  limitExceeded,
  paginate,
  requireGroup,
  requireInstanceProfile,
  requireRole,
  requireUser,
  roleOut,
  tagsOf,
  targetUserName,
  underPath,
  userOut,
} from './common.js';
import type { CredentialContext } from './credential-store.js';
import { validatePolicyDocument, validateTrustPolicySize } from './policy-document.js';
import { requireModifiableRole } from './service-linked-roles.js';
import type { IamStore, RoleRow, TaggedType } from './store.js';

const DEFAULT_MAX_SESSION_DURATION = 3600;

/** Refuses to delete a user, group or role that still has policies. */
function ensureNoPolicies(store: IamStore, account: string, type: 'user' | 'group' | 'role', name: string): void {
  if (store.listInline(account, type, name).length) throw deleteConflict('Cannot delete entity, must delete policies first.');
  if (store.attachedTo(account, type, name).length) throw deleteConflict('Cannot delete entity, must detach all policies first.');
}

function tagHandlers(store: IamStore, type: TaggedType, noun: string, resolve: (account: string, name: string) => string): Handlers {
  return {
    [`Tag${noun}`](input: { Tags: Iam.Tag[] } & Record<string, string>, ctx: RequestContext) {
      store.tx(() => applyTags(store, ctx.account, type, resolve(ctx.account, input[`${noun}Name`] ?? input.PolicyArn), input.Tags));
      return {};
    },
    [`Untag${noun}`](input: { TagKeys: string[] } & Record<string, string>, ctx: RequestContext) {
      store.tx(() => {
        const name = resolve(ctx.account, input[`${noun}Name`] ?? input.PolicyArn);
        for (const key of input.TagKeys) store.deleteTag(ctx.account, type, name, key);
      });
      return {};
    },
    [`List${noun}Tags`](input: Iam.ListUserTagsRequest & Record<string, string>, ctx: RequestContext) {
      const name = resolve(ctx.account, input[`${noun}Name`] ?? input.PolicyArn);
      const page = paginate(tagsOf(store, ctx.account, type, name), (t) => t.Key!.toLowerCase(), input);
      return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
  };
}

export function entityHandlers(context: CredentialContext): Handlers {
  return { ...userHandlers(context), ...groupHandlers(context), ...roleHandlers(context), ...instanceProfileHandlers(context) };
}

/** Users: lifecycle and tags. */
function userHandlers({ store, rt, credentials }: CredentialContext): Handlers {
  const now = () => rt.clock.now();
  return {
    CreateUser(input: Iam.CreateUserRequest, ctx: RequestContext): Iam.CreateUserResponse {
      return store.tx(() => {
        if (store.getEntity('user', ctx.account, input.UserName!)) throw alreadyExists(`User with name ${input.UserName} already exists.`);
        const row = { account: ctx.account, name: input.UserName!, path: input.Path ?? '/', id: iamId('AIDA'), created_at: now() };
        store.insertEntity('user', row);
        applyTags(store, ctx.account, 'user', row.name, input.Tags);
        if (input.PermissionsBoundary) setBoundary(store, credentials, ctx.account, 'user', row.name, input.PermissionsBoundary);
        return { User: { ...userOut(row, tagsOf(store, ctx.account, 'user', row.name)), PermissionsBoundary: boundaryOut(credentials, ctx.account, 'user', row.name) } };
      });
    },
    GetUser(input: Iam.GetUserRequest, ctx: RequestContext): Iam.GetUserResponse {
      if (!input.UserName && ctx.principal.kind === 'root') {
        // The root user is no IAM user; IAM describes it by its account id alone.
        return { User: { UserId: ctx.account, Arn: ctx.principal.arn } as Iam.User };
      }
      const row = requireUser(store, ctx.account, targetUserName(input.UserName, ctx));
      return { User: { ...userOut(row, tagsOf(store, ctx.account, 'user', row.name)), PermissionsBoundary: boundaryOut(credentials, ctx.account, 'user', row.name) } };
    },
    ListUsers(input: Iam.ListUsersRequest, ctx: RequestContext): Iam.ListUsersResponse {
      const rows = store.listEntities('user', ctx.account).filter((r) => underPath(r.path, input.PathPrefix));
      const page = paginate(rows, byName, input);
      return { Users: page.items.map((r) => userOut(r)), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    UpdateUser(input: Iam.UpdateUserRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const row = requireUser(store, ctx.account, input.UserName!);
        if (input.NewPath) store.setEntityPath('user', ctx.account, row.name, input.NewPath);
        if (input.NewUserName && input.NewUserName !== row.name) {
          const clash = store.getEntity('user', ctx.account, input.NewUserName);
          if (clash && clash.name.toLowerCase() !== row.name.toLowerCase()) throw alreadyExists(`User with name ${input.NewUserName} already exists.`);
          store.renameEntity('user', ctx.account, row.name, input.NewUserName);
          credentials.renameUser(ctx.account, row.name, input.NewUserName);
        }
      });
      return {};
    },
    DeleteUser(input: Iam.DeleteUserRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const row = requireUser(store, ctx.account, input.UserName!);
        if (store.accessKeysOf(ctx.account, row.name).length) throw deleteConflict('Cannot delete entity, must delete access keys first.');
        if (store.serviceCredentialsOf(ctx.account, row.name).length) throw deleteConflict('Cannot delete entity, must remove service specific credentials first.');
        if (credentials.signingCertificatesOf(ctx.account, row.name).length) throw deleteConflict('Cannot delete entity, must delete signing certificates first.');
        if (credentials.sshKeysOf(ctx.account, row.name).length) throw deleteConflict('Cannot delete entity, must delete SSH public keys first.');
        if (store.groupsOfUser(ctx.account, row.name).length) throw deleteConflict('Cannot delete entity, must remove users from group first.');
        ensureNoPolicies(store, ctx.account, 'user', row.name);
        store.deleteTags(ctx.account, 'user', row.name);
        credentials.deleteBoundary(ctx.account, 'user', row.name);
        store.deleteEntity('user', ctx.account, row.name);
      });
      return {};
    },
    ...tagHandlers(store, 'user', 'User', (account, name) => requireUser(store, account, name).name),
  };
}

/** Groups and their members. */
function groupHandlers({ store, rt }: IamContext): Handlers {
  const now = () => rt.clock.now();
  return {
    CreateGroup(input: Iam.CreateGroupRequest, ctx: RequestContext): Iam.CreateGroupResponse {
      return store.tx(() => {
        if (store.getEntity('group', ctx.account, input.GroupName!)) throw alreadyExists(`Group with name ${input.GroupName} already exists.`);
        const row = { account: ctx.account, name: input.GroupName!, path: input.Path ?? '/', id: iamId('AGPA'), created_at: now() };
        store.insertEntity('group', row);
        return { Group: groupOut(row) };
      });
    },
    GetGroup(input: Iam.GetGroupRequest, ctx: RequestContext): Iam.GetGroupResponse {
      const group = requireGroup(store, ctx.account, input.GroupName!);
      const page = paginate(store.groupMembers(ctx.account, group.name), byName, input);
      return { Group: groupOut(group), Users: page.items.map((r) => userOut(r)), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    ListGroups(input: Iam.ListGroupsRequest, ctx: RequestContext): Iam.ListGroupsResponse {
      const rows = store.listEntities('group', ctx.account).filter((r) => underPath(r.path, input.PathPrefix));
      const page = paginate(rows, byName, input);
      return { Groups: page.items.map(groupOut), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    UpdateGroup(input: Iam.UpdateGroupRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const row = requireGroup(store, ctx.account, input.GroupName!);
        if (input.NewPath) store.setEntityPath('group', ctx.account, row.name, input.NewPath);
        if (input.NewGroupName && input.NewGroupName !== row.name) {
          const clash = store.getEntity('group', ctx.account, input.NewGroupName);
          if (clash && clash.name.toLowerCase() !== row.name.toLowerCase()) throw alreadyExists(`Group with name ${input.NewGroupName} already exists.`);
          store.renameEntity('group', ctx.account, row.name, input.NewGroupName);
        }
      });
      return {};
    },
    DeleteGroup(input: Iam.DeleteGroupRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const row = requireGroup(store, ctx.account, input.GroupName!);
        if (store.groupMembers(ctx.account, row.name).length) throw deleteConflict('Cannot delete entity, must remove users from group first.');
        ensureNoPolicies(store, ctx.account, 'group', row.name);
        store.deleteEntity('group', ctx.account, row.name);
      });
      return {};
    },
    AddUserToGroup(input: Iam.AddUserToGroupRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const group = requireGroup(store, ctx.account, input.GroupName!);
        const user = requireUser(store, ctx.account, input.UserName!);
        store.addMember(ctx.account, group.name, user.name, now());
      });
      return {};
    },
    RemoveUserFromGroup(input: Iam.RemoveUserFromGroupRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const group = requireGroup(store, ctx.account, input.GroupName!);
        const user = requireUser(store, ctx.account, input.UserName!);
        if (!store.removeMember(ctx.account, group.name, user.name)) {
          throw new AwsError('NoSuchEntityException', `User ${user.name} is not in group ${group.name}.`);
        }
      });
      return {};
    },
    ListGroupsForUser(input: Iam.ListGroupsForUserRequest, ctx: RequestContext): Iam.ListGroupsForUserResponse {
      const user = requireUser(store, ctx.account, input.UserName!);
      const page = paginate(store.groupsOfUser(ctx.account, user.name), byName, input);
      return { Groups: page.items.map(groupOut), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
  };
}

/** Roles: lifecycle, trust policy and tags. */
function roleHandlers({ store, rt, credentials }: CredentialContext): Handlers {
  const now = () => rt.clock.now();
  return {
    CreateRole(input: Iam.CreateRoleRequest, ctx: RequestContext): Iam.CreateRoleResponse {
      validatePolicyDocument(input.AssumeRolePolicyDocument!, 'trust');
      validateTrustPolicySize(input.AssumeRolePolicyDocument!);
      return store.tx(() => {
        if (store.getEntity('role', ctx.account, input.RoleName!)) throw alreadyExists(`Role with name ${input.RoleName} already exists.`);
        const row: RoleRow = {
          account: ctx.account,
          name: input.RoleName!,
          path: input.Path ?? '/',
          id: iamId('AROA'),
          created_at: now(),
          trust_policy: input.AssumeRolePolicyDocument!,
          description: input.Description ?? null,
          max_session_duration: input.MaxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION,
          last_used_at: null,
          last_used_region: null,
        };
        store.insertRole(row);
        applyTags(store, ctx.account, 'role', row.name, input.Tags);
        if (input.PermissionsBoundary) setBoundary(store, credentials, ctx.account, 'role', row.name, input.PermissionsBoundary);
        // AWS's CreateRole answer carries no MaxSessionDuration (GetRole's does).
        const { MaxSessionDuration: _, ...created } = roleOut(row, { tags: tagsOf(store, ctx.account, 'role', row.name) });
        return { Role: { ...created, PermissionsBoundary: boundaryOut(credentials, ctx.account, 'role', row.name) } };
      });
    },
    GetRole(input: Iam.GetRoleRequest, ctx: RequestContext): Iam.GetRoleResponse {
      const row = requireRole(store, ctx.account, input.RoleName!);
      return { Role: { ...roleOut(row, { tags: tagsOf(store, ctx.account, 'role', row.name), lastUsed: true }), PermissionsBoundary: boundaryOut(credentials, ctx.account, 'role', row.name) } };
    },
    ListRoles(input: Iam.ListRolesRequest, ctx: RequestContext): Iam.ListRolesResponse {
      const rows = store.listEntities('role', ctx.account).filter((r) => underPath(r.path, input.PathPrefix));
      const page = paginate(rows, byName, input);
      return { Roles: page.items.map((r) => roleOut(r)), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    UpdateRole(input: Iam.UpdateRoleRequest, ctx: RequestContext): Iam.UpdateRoleResponse {
      store.tx(() => {
        const row = requireRole(store, ctx.account, input.RoleName!);
        store.updateRole({
          ...row,
          description: input.Description ?? row.description,
          max_session_duration: input.MaxSessionDuration ?? row.max_session_duration,
        });
      });
      return {};
    },
    UpdateRoleDescription(input: Iam.UpdateRoleDescriptionRequest, ctx: RequestContext): Iam.UpdateRoleDescriptionResponse {
      return store.tx(() => {
        const row = { ...requireRole(store, ctx.account, input.RoleName!), description: input.Description! };
        store.updateRole(row);
        return { Role: roleOut(row, { tags: tagsOf(store, ctx.account, 'role', row.name), lastUsed: true }) };
      });
    },
    UpdateAssumeRolePolicy(input: Iam.UpdateAssumeRolePolicyRequest, ctx: RequestContext): Record<string, never> {
      validatePolicyDocument(input.PolicyDocument!, 'trust');
      validateTrustPolicySize(input.PolicyDocument!);
      store.tx(() => {
        const row = requireModifiableRole(credentials, requireRole(store, ctx.account, input.RoleName!));
        store.updateRole({ ...row, trust_policy: input.PolicyDocument! });
      });
      return {};
    },
    DeleteRole(input: Iam.DeleteRoleRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const row = requireModifiableRole(credentials, requireRole(store, ctx.account, input.RoleName!));
        if (store.profilesOfRole(ctx.account, row.name).length) throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
        ensureNoPolicies(store, ctx.account, 'role', row.name);
        store.deleteTags(ctx.account, 'role', row.name);
        credentials.deleteBoundary(ctx.account, 'role', row.name);
        store.deleteEntity('role', ctx.account, row.name);
      });
      return {};
    },
    ...tagHandlers(store, 'role', 'Role', (account, name) => requireRole(store, account, name).name),
  };
}

/** Instance profiles, their role and tags. */
function instanceProfileHandlers({ store, rt }: IamContext): Handlers {
  const now = () => rt.clock.now();
  return {
    CreateInstanceProfile(input: Iam.CreateInstanceProfileRequest, ctx: RequestContext): Iam.CreateInstanceProfileResponse {
      return store.tx(() => {
        if (store.getEntity('instance-profile', ctx.account, input.InstanceProfileName!)) throw alreadyExists(`Instance Profile ${input.InstanceProfileName} already exists.`);
        const row = { account: ctx.account, name: input.InstanceProfileName!, path: input.Path ?? '/', id: iamId('AIPA'), created_at: now() };
        store.insertEntity('instance-profile', row);
        applyTags(store, ctx.account, 'instance-profile', row.name, input.Tags);
        return { InstanceProfile: instanceProfileOut(row, [], tagsOf(store, ctx.account, 'instance-profile', row.name)) };
      });
    },
    GetInstanceProfile(input: Iam.GetInstanceProfileRequest, ctx: RequestContext): Iam.GetInstanceProfileResponse {
      const row = requireInstanceProfile(store, ctx.account, input.InstanceProfileName!);
      return { InstanceProfile: instanceProfileOut(row, store.rolesOfProfile(ctx.account, row.name), tagsOf(store, ctx.account, 'instance-profile', row.name)) };
    },
    ListInstanceProfiles(input: Iam.ListInstanceProfilesRequest, ctx: RequestContext): Iam.ListInstanceProfilesResponse {
      const rows = store.listEntities('instance-profile', ctx.account).filter((r) => underPath(r.path, input.PathPrefix));
      const page = paginate(rows, byName, input);
      return { InstanceProfiles: page.items.map((r) => instanceProfileOut(r, store.rolesOfProfile(ctx.account, r.name))), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    DeleteInstanceProfile(input: Iam.DeleteInstanceProfileRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const row = requireInstanceProfile(store, ctx.account, input.InstanceProfileName!);
        if (store.rolesOfProfile(ctx.account, row.name).length) throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
        store.deleteTags(ctx.account, 'instance-profile', row.name);
        store.deleteEntity('instance-profile', ctx.account, row.name);
      });
      return {};
    },
    AddRoleToInstanceProfile(input: Iam.AddRoleToInstanceProfileRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const profile = requireInstanceProfile(store, ctx.account, input.InstanceProfileName!);
        const role = requireRole(store, ctx.account, input.RoleName!);
        if (store.rolesOfProfile(ctx.account, profile.name).length) throw limitExceeded('Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1');
        store.addRoleToProfile(ctx.account, profile.name, role.name);
      });
      return {};
    },
    RemoveRoleFromInstanceProfile(input: Iam.RemoveRoleFromInstanceProfileRequest, ctx: RequestContext): Record<string, never> {
      store.tx(() => {
        const profile = requireInstanceProfile(store, ctx.account, input.InstanceProfileName!);
        const role = requireRole(store, ctx.account, input.RoleName!);
        if (!store.removeRoleFromProfile(ctx.account, profile.name, role.name)) {
          throw new AwsError('NoSuchEntityException', `Role ${role.name} in Instance Profile ${profile.name} cannot be found.`);
        }
      });
      return {};
    },
    ListInstanceProfilesForRole(input: Iam.ListInstanceProfilesForRoleRequest, ctx: RequestContext): Iam.ListInstanceProfilesForRoleResponse {
      const role = requireRole(store, ctx.account, input.RoleName!);
      const page = paginate(store.profilesOfRole(ctx.account, role.name), byName, input);
      return { InstanceProfiles: page.items.map((r) => instanceProfileOut(r, store.rolesOfProfile(ctx.account, r.name))), IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
    ...tagHandlers(store, 'instance-profile', 'InstanceProfile', (account, name) => requireInstanceProfile(store, account, name).name),
  };
}
