/**
 * What each STS operation needs to be allowed, from AWS's Service Authorization Reference
 * ("Actions, resources, and condition keys for AWS Security Token Service") and the IAM User
 * Guide's "Permissions for GetSessionToken" and "Permissions for AssumeRole …" pages.
 *
 * - GetCallerIdentity and GetSessionToken need no permission: no policy can allow or deny them.
 * - AssumeRole, AssumeRoleWithWebIdentity and AssumeRoleWithSAML are authorized by STS itself (the
 *   role's trust policy, with the caller's identity policies for sts:AssumeRole, sts:TagSession and
 *   sts:SetSourceIdentity), not by an identity permission on a resource.
 */
import type { AssumeRootRequest, GetFederationTokenRequest } from '@aws-sdk/client-sts';
import { partitionOf } from '../../core/arn.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ServiceAuthorization } from '../authorization.js';

export const stsAuthorization: ServiceAuthorization = {
  prefix: 'sts',
  rules: {
    GetCallerIdentity: { unchecked: 'none' },
    GetSessionToken: { unchecked: 'none' },
    AssumeRole: { unchecked: 'handler' },
    AssumeRoleWithWebIdentity: { unchecked: 'handler' },
    AssumeRoleWithSAML: { unchecked: 'handler' },
    GetFederationToken: {
      action: 'sts:GetFederationToken',
      resource: 'arn:${Partition}:sts::${Account}:federated-user/${Name}',
      context: (input: GetFederationTokenRequest) => {
        const keys: Record<string, string[]> = {};
        const tags = input.Tags ?? [];
        if (tags.length > 0) keys['aws:TagKeys'] = tags.map((t) => t.Key ?? '');
        return { ...keys, ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key ?? ''}`, t.Value ?? ''])) };
      },
    },
    // The target account's root user, as the reference names the resource (arn:…:iam::<TargetPrincipal>:root).
    AssumeRoot: {
      action: 'sts:AssumeRoot',
      resource: (input: AssumeRootRequest, ctx: RequestContext) => (input.TargetPrincipal ? `arn:${partitionOf(ctx.region)}:iam::${input.TargetPrincipal}:root` : '*'),
      context: (input: AssumeRootRequest) => (input.TaskPolicyArn?.arn ? { 'sts:TaskPolicyArn': input.TaskPolicyArn.arn } : {}),
    },
    DecodeAuthorizationMessage: { action: 'sts:DecodeAuthorizationMessage', resource: '*' },
    GetAccessKeyInfo: { action: 'sts:GetAccessKeyInfo', resource: '*' },
  },
};
