/**
 * What each IAM operation needs to be allowed, from AWS's Service Authorization Reference
 * ("Actions, resources, and condition keys for AWS Identity and Access Management"): the action is
 * `iam:<Operation>`, on the entity the operation names:
 * `arn:${Partition}:iam::${Account}:user/${UserNameWithPath}` (and role/, group/, policy/,
 * instance-profile/, mfa/, server-certificate/, oidc-provider/, saml-provider/).
 *
 * Approximation: AWS checks the entity's full ARN, path included. The table is data of the
 * definition and cannot read IAM's store, so an entity named only by its name (DeleteUser,
 * GetRole …) is checked at path `/` (`user/alice`), unless the path is in the input (CreateUser,
 * CreateRole … with Path) or the entity is the caller itself (whose ARN carries its path).
 * Operations with no rule here (account-wide ones such as ListUsers, GetAccountSummary,
 * Simulate*, and those whose resource the input does not name, such as GetAccessKeyLastUsed) are
 * `iam:<Operation>` on `*`.
 */
import type { Tag } from '@aws-sdk/client-iam';
import { partitionOf } from '../../core/arn.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ResourceSpec, ServiceAuthorization } from '../authorization.js';

type Input = Record<string, unknown>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function iamArn(ctx: RequestContext, resource: string): string {
  return `arn:${partitionOf(ctx.region)}:iam::${ctx.account}:${resource}`;
}

/** `<type><path><name>` from the input's name member and its Path member (`/` when absent). */
function named(type: string, nameMember: string, pathMember?: string): ResourceSpec {
  return (input: Input, ctx: RequestContext) => {
    const name = text(input[nameMember]);
    if (!name) return '*';
    return iamArn(ctx, `${type}${(pathMember && text(input[pathMember])) ?? '/'}${name}`);
  };
}

/**
 * The user an operation acts on: the one named, or the caller when UserName is omitted (GetUser,
 * ListAccessKeys, CreateAccessKey … act on the calling IAM user). The caller's own ARN carries its path.
 */
const user: ResourceSpec = (input: Input, ctx: RequestContext) => {
  const name = text(input.UserName);
  const caller = ctx.principal.kind === 'user' ? ctx.principal : undefined;
  if (!name) return caller ? caller.arn : '*';
  if (caller && caller.userName === name && caller.account === ctx.account) return caller.arn;
  return iamArn(ctx, `user/${name}`);
};

/** An entity named by its ARN in the input (PolicyArn, OpenIDConnectProviderArn, SerialNumber of a virtual MFA device …). */
const byArn =
  (member: string): ResourceSpec =>
  (input: Input) => {
    const value = text(input[member]);
    return value?.startsWith('arn:') ? value : '*';
  };

const role = named('role', 'RoleName');
const group = named('group', 'GroupName');
const instanceProfile = named('instance-profile', 'InstanceProfileName');
const serverCertificate = named('server-certificate', 'ServerCertificateName');
const policy = byArn('PolicyArn');
const oidcProvider = byArn('OpenIDConnectProviderArn');
const samlProvider = byArn('SAMLProviderArn');
const mfaDevice = byArn('SerialNumber');

/** `aws:RequestTag/<key>` and `aws:TagKeys` of the tags a request sets. */
function requestTags(input: { Tags?: Tag[] }): Record<string, ContextValue> {
  const tags = input.Tags ?? [];
  if (tags.length === 0) return {};
  return { 'aws:TagKeys': tags.map((t) => t.Key ?? ''), ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key ?? ''}`, t.Value ?? ''])) };
}

const tagKeys = (input: { TagKeys?: string[] }): Record<string, ContextValue> => (input.TagKeys?.length ? { 'aws:TagKeys': input.TagKeys } : {});

const on = (resource: ResourceSpec, context?: ActionRule['context']): ActionRule => (context ? { resource, context } : { resource });

/** `iam:PolicyARN` for attaching and detaching managed policies. */
const policyArnKey = (input: { PolicyArn?: string }): Record<string, ContextValue> => (input.PolicyArn ? { 'iam:PolicyARN': input.PolicyArn } : {});

/** `iam:PermissionsBoundary` of a request that sets one (CreateUser, CreateRole, Put…PermissionsBoundary). */
const boundaryKey = (input: { PermissionsBoundary?: string }): Record<string, ContextValue> => (input.PermissionsBoundary ? { 'iam:PermissionsBoundary': input.PermissionsBoundary } : {});

/** The ARN an OIDC provider gets from its URL: `oidc-provider/<host and path>`. */
const newOidcProvider: ResourceSpec = (input: Input, ctx: RequestContext) => {
  const url = text(input.Url);
  return url ? iamArn(ctx, `oidc-provider/${url.replace(/^https:\/\//, '')}`) : '*';
};

/**
 * Renaming or moving an entity needs the permission on the target too (AWS: "the requester must
 * have appropriate permissions on both the source object and the target object").
 */
function renamed(action: string, type: string, nameMember: string, newNameMember: string): NonNullable<ActionRule['also']>[number] {
  return {
    action,
    resource: (input: Input, ctx: RequestContext) => iamArn(ctx, `${type}${text(input.NewPath) ?? '/'}${text(input[newNameMember]) ?? text(input[nameMember]) ?? ''}`),
    when: (input: Input) => text(input[newNameMember]) !== undefined || text(input.NewPath) !== undefined,
  };
}

const userRules: Record<string, ActionRule> = Object.fromEntries(
  [
    'ChangePassword',
    'CreateAccessKey',
    'CreateLoginProfile',
    'CreateServiceSpecificCredential',
    'DeactivateMFADevice',
    'DeleteAccessKey',
    'DeleteLoginProfile',
    'DeleteSSHPublicKey',
    'DeleteServiceSpecificCredential',
    'DeleteSigningCertificate',
    'DeleteUser',
    'DeleteUserPermissionsBoundary',
    'DeleteUserPolicy',
    'EnableMFADevice',
    'GetLoginProfile',
    'GetMFADevice',
    'GetSSHPublicKey',
    'GetUser',
    'GetUserPolicy',
    'ListAccessKeys',
    'ListAttachedUserPolicies',
    'ListGroupsForUser',
    'ListMFADevices',
    'ListSSHPublicKeys',
    'ListServiceSpecificCredentials',
    'ListSigningCertificates',
    'ListUserPolicies',
    'ListUserTags',
    'PutUserPolicy',
    'ResetServiceSpecificCredential',
    'ResyncMFADevice',
    'UpdateAccessKey',
    'UpdateLoginProfile',
    'UpdateSSHPublicKey',
    'UpdateServiceSpecificCredential',
    'UpdateSigningCertificate',
    'UploadSSHPublicKey',
    'UploadSigningCertificate',
  ].map((op) => [op, on(user)]),
);

const roleRules: Record<string, ActionRule> = Object.fromEntries(
  [
    'DeleteRole',
    'DeleteRolePermissionsBoundary',
    'DeleteRolePolicy',
    'DeleteServiceLinkedRole',
    'GetRole',
    'GetRolePolicy',
    'ListAttachedRolePolicies',
    'ListInstanceProfilesForRole',
    'ListRolePolicies',
    'ListRoleTags',
    'PutRolePolicy',
    'UpdateAssumeRolePolicy',
    'UpdateRole',
    'UpdateRoleDescription',
  ].map((op) => [op, on(role)]),
);

const groupRules: Record<string, ActionRule> = Object.fromEntries(
  ['AddUserToGroup', 'DeleteGroup', 'DeleteGroupPolicy', 'GetGroup', 'GetGroupPolicy', 'ListAttachedGroupPolicies', 'ListGroupPolicies', 'PutGroupPolicy', 'RemoveUserFromGroup'].map((op) => [
    op,
    on(group),
  ]),
);

const policyRules: Record<string, ActionRule> = Object.fromEntries(
  ['CreatePolicyVersion', 'DeletePolicy', 'DeletePolicyVersion', 'GetPolicy', 'GetPolicyVersion', 'ListEntitiesForPolicy', 'ListPolicyTags', 'ListPolicyVersions', 'SetDefaultPolicyVersion'].map(
    (op) => [op, on(policy)],
  ),
);

const providerRules: Record<string, ActionRule> = {
  ...Object.fromEntries(
    [
      'AddClientIDToOpenIDConnectProvider',
      'DeleteOpenIDConnectProvider',
      'GetOpenIDConnectProvider',
      'ListOpenIDConnectProviderTags',
      'RemoveClientIDFromOpenIDConnectProvider',
      'UpdateOpenIDConnectProviderThumbprint',
    ].map((op) => [op, on(oidcProvider)]),
  ),
  ...Object.fromEntries(['DeleteSAMLProvider', 'GetSAMLProvider', 'ListSAMLProviderTags', 'UpdateSAMLProvider'].map((op) => [op, on(samlProvider)])),
  CreateOpenIDConnectProvider: on(newOidcProvider, requestTags),
  CreateSAMLProvider: on(named('saml-provider', 'Name'), requestTags),
  TagOpenIDConnectProvider: on(oidcProvider, requestTags),
  UntagOpenIDConnectProvider: on(oidcProvider, tagKeys),
  TagSAMLProvider: on(samlProvider, requestTags),
  UntagSAMLProvider: on(samlProvider, tagKeys),
};

export const iamAuthorization: ServiceAuthorization = {
  prefix: 'iam',
  rules: {
    ...userRules,
    ...roleRules,
    ...groupRules,
    ...policyRules,
    ...providerRules,

    // With the password policy's AllowUsersToChangePassword, every IAM user may change its own
    // password and read the policy without an identity permission: the handlers decide.
    ChangePassword: { unchecked: 'handler' },
    GetAccountPasswordPolicy: { unchecked: 'handler' },

    CreateUser: on(named('user', 'UserName', 'Path'), (input: Input) => ({ ...requestTags(input), ...boundaryKey(input) })),
    CreateRole: on(named('role', 'RoleName', 'Path'), (input: Input) => ({ ...requestTags(input), ...boundaryKey(input) })),
    CreateGroup: on(named('group', 'GroupName', 'Path')),
    CreatePolicy: on(named('policy', 'PolicyName', 'Path'), requestTags),
    CreateInstanceProfile: on(named('instance-profile', 'InstanceProfileName', 'Path'), requestTags),
    CreateVirtualMFADevice: on(named('mfa', 'VirtualMFADeviceName', 'Path'), requestTags),
    UploadServerCertificate: on(named('server-certificate', 'ServerCertificateName', 'Path'), requestTags),
    CreateServiceLinkedRole: {
      // The role's name is chosen by the service: any role under the service's path.
      resource: (input: Input, ctx: RequestContext) => iamArn(ctx, `role/aws-service-role/${text(input.AWSServiceName) ?? ''}/*`),
      context: (input: Input) => (text(input.AWSServiceName) ? { 'iam:AWSServiceName': text(input.AWSServiceName) } : {}),
    },

    // The deletion task id names the role: task/aws-service-role/<service>/<role name>/<id>.
    GetServiceLinkedRoleDeletionStatus: on((input: Input, ctx: RequestContext) => {
      const task = /^task\/(aws-service-role\/[^/]+\/[^/]+)\/[^/]+$/.exec(text(input.DeletionTaskId) ?? '');
      return task ? iamArn(ctx, `role/${task[1]}`) : '*';
    }),

    UpdateUser: { resource: user, also: [renamed('iam:UpdateUser', 'user', 'UserName', 'NewUserName')] },
    UpdateGroup: { resource: group, also: [renamed('iam:UpdateGroup', 'group', 'GroupName', 'NewGroupName')] },
    UpdateServerCertificate: { resource: serverCertificate, also: [renamed('iam:UpdateServerCertificate', 'server-certificate', 'ServerCertificateName', 'NewServerCertificateName')] },
    DeleteServerCertificate: on(serverCertificate),
    GetServerCertificate: on(serverCertificate),
    ListServerCertificateTags: on(serverCertificate),
    TagServerCertificate: on(serverCertificate, requestTags),
    UntagServerCertificate: on(serverCertificate, tagKeys),

    AttachUserPolicy: on(user, policyArnKey),
    DetachUserPolicy: on(user, policyArnKey),
    AttachRolePolicy: on(role, policyArnKey),
    DetachRolePolicy: on(role, policyArnKey),
    AttachGroupPolicy: on(group, policyArnKey),
    DetachGroupPolicy: on(group, policyArnKey),
    PutUserPermissionsBoundary: on(user, boundaryKey),
    PutRolePermissionsBoundary: on(role, boundaryKey),

    TagUser: on(user, requestTags),
    UntagUser: on(user, tagKeys),
    TagRole: on(role, requestTags),
    UntagRole: on(role, tagKeys),
    TagPolicy: on(policy, requestTags),
    UntagPolicy: on(policy, tagKeys),
    TagInstanceProfile: on(instanceProfile, requestTags),
    UntagInstanceProfile: on(instanceProfile, tagKeys),
    ListInstanceProfileTags: on(instanceProfile),
    TagMFADevice: on(mfaDevice, requestTags),
    UntagMFADevice: on(mfaDevice, tagKeys),
    ListMFADeviceTags: on(mfaDevice),
    DeleteVirtualMFADevice: on(mfaDevice),

    DeleteInstanceProfile: on(instanceProfile),
    GetInstanceProfile: on(instanceProfile),
    // The caller must also be allowed to pass the role (AWS's AddRoleToInstanceProfile documentation).
    AddRoleToInstanceProfile: { resource: instanceProfile, also: [{ action: 'iam:PassRole', resource: role }] },
    RemoveRoleFromInstanceProfile: on(instanceProfile),

    // Entities named by ARN: the user, role, group or policy the report or simulation is about.
    GenerateServiceLastAccessedDetails: on(byArn('Arn')),
    ListPoliciesGrantingServiceAccess: on(byArn('Arn')),
    GetContextKeysForPrincipalPolicy: on(byArn('PolicySourceArn')),
    SimulatePrincipalPolicy: on(byArn('PolicySourceArn')),
  },
};
