/** GetAccountAuthorizationDetails: every user, group, role and managed policy of the account with its policies. */
import type * as Iam from '@aws-sdk/client-iam';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { groupOut, type IamContext, instanceProfileOut, paginate, roleOut, tagsOf, userOut } from './common.js';
import { awsManagedPolicies, awsManagedPolicy } from './managed-policies.js';
import { encodePolicyDocument } from './policy-document.js';
import { findPolicy, type ManagedPolicyView } from './policy-handlers.js';
import type { EntityType } from './store.js';

type Detail =
  | { type: 'User'; value: Iam.UserDetail }
  | { type: 'Group'; value: Iam.GroupDetail }
  | { type: 'Role'; value: Iam.RoleDetail }
  | { type: 'LocalManagedPolicy' | 'AWSManagedPolicy'; value: Iam.ManagedPolicyDetail };

export function authorizationDetailsHandlers({ store }: IamContext): Handlers {
  function inline(account: string, type: EntityType, name: string): Iam.PolicyDetail[] {
    return store.listInline(account, type, name).map((p) => ({ PolicyName: p.policy_name, PolicyDocument: encodePolicyDocument(p.document) }));
  }

  function attached(account: string, type: EntityType, name: string): Iam.AttachedPolicy[] {
    return store
      .attachedTo(account, type, name)
      .map((a) => findPolicy(store, account, a.policy_arn))
      .filter((p): p is ManagedPolicyView => p !== undefined)
      .map((p) => ({ PolicyName: p.name, PolicyArn: p.arn }));
  }

  function policyDetail(account: string, policy: ManagedPolicyView, attachmentCount: number): Iam.ManagedPolicyDetail {
    const versions: Iam.PolicyVersion[] = policy.awsManaged
      ? [{ Document: encodePolicyDocument(awsManagedPolicy(policy.arn)!.document), VersionId: policy.defaultVersion, IsDefaultVersion: true, CreateDate: new Date(policy.updatedAt) }]
      : store.listVersions(account, policy.arn).map((v) => ({
          Document: encodePolicyDocument(v.document),
          VersionId: v.version_id,
          IsDefaultVersion: v.version_id === policy.defaultVersion,
          CreateDate: new Date(v.created_at),
        }));
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
      PolicyVersionList: versions,
    };
  }

  return {
    GetAccountAuthorizationDetails(input: Iam.GetAccountAuthorizationDetailsRequest, ctx: RequestContext): Iam.GetAccountAuthorizationDetailsResponse {
      const account = ctx.account;
      const wanted = (type: Detail['type']) => !input.Filter?.length || input.Filter.includes(type);
      const details: Detail[] = [];
      if (wanted('User')) {
        for (const row of store.listEntities('user', account)) {
          details.push({
            type: 'User',
            value: {
              ...userOut(row, tagsOf(store, account, 'user', row.name)),
              UserPolicyList: inline(account, 'user', row.name),
              GroupList: store.groupsOfUser(account, row.name).map((g) => g.name),
              AttachedManagedPolicies: attached(account, 'user', row.name),
            },
          });
        }
      }
      if (wanted('Group')) {
        for (const row of store.listEntities('group', account)) {
          details.push({ type: 'Group', value: { ...groupOut(row), GroupPolicyList: inline(account, 'group', row.name), AttachedManagedPolicies: attached(account, 'group', row.name) } });
        }
      }
      if (wanted('Role')) {
        for (const row of store.listEntities('role', account)) {
          details.push({
            type: 'Role',
            value: {
              ...roleOut(row, { tags: tagsOf(store, account, 'role', row.name), lastUsed: true }),
              InstanceProfileList: store.profilesOfRole(account, row.name).map((p) => instanceProfileOut(p, store.rolesOfProfile(account, p.name))),
              RolePolicyList: inline(account, 'role', row.name),
              AttachedManagedPolicies: attached(account, 'role', row.name),
            },
          });
        }
      }
      const counts = store.attachmentCounts(account);
      if (wanted('LocalManagedPolicy')) {
        for (const row of store.listPolicies(account)) details.push({ type: 'LocalManagedPolicy', value: policyDetail(account, findPolicy(store, account, row.arn)!, counts.get(row.arn) ?? 0) });
      }
      if (wanted('AWSManagedPolicy')) {
        // Of the AWS managed policies, IAM reports those the account uses.
        for (const p of awsManagedPolicies()) {
          const count = counts.get(p.arn) ?? 0;
          if (count > 0) details.push({ type: 'AWSManagedPolicy', value: policyDetail(account, findPolicy(store, account, p.arn)!, count) });
        }
      }
      const keyOf = (d: Detail) => `${d.type}:${'Arn' in d.value ? d.value.Arn : ''}`;
      const page = paginate(details, keyOf, input);
      const of = <T extends Detail['type']>(...types: T[]) => page.items.filter((d) => (types as string[]).includes(d.type)).map((d) => d.value);
      return {
        UserDetailList: of('User') as Iam.UserDetail[],
        GroupDetailList: of('Group') as Iam.GroupDetail[],
        RoleDetailList: of('Role') as Iam.RoleDetail[],
        Policies: of('LocalManagedPolicy', 'AWSManagedPolicy') as Iam.ManagedPolicyDetail[],
        IsTruncated: page.IsTruncated,
        Marker: page.Marker,
      };
    },
  };
}
