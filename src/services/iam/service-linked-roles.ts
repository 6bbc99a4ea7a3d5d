/**
 * Service-linked roles: roles a service creates for itself under `/aws-service-role/<service>/`,
 * trusted by that service alone and modifiable only through these operations.
 */
import type * as Iam from '@aws-sdk/client-iam';
import { AwsError } from '../../core/errors.js';
import { iamId, uuid } from '../../core/ids.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { noSuchEntity, requireRole, roleOut, tagsOf } from './common.js';
import type { CredentialContext, CredentialStore } from './credential-store.js';
import type { RoleRow } from './store.js';

/**
 * Role names of services whose name AWS does not derive from the service principal, and whether
 * the service takes a CustomSuffix (several refuse one). Other `*.amazonaws.com` services get
 * `AWSServiceRoleFor<Label>` and accept a suffix.
 */
const KNOWN_SERVICES: Record<string, { name: string; suffix: boolean }> = {
  'autoscaling.amazonaws.com': { name: 'AutoScaling', suffix: true },
  'elasticbeanstalk.amazonaws.com': { name: 'ElasticBeanstalk', suffix: false },
  'ecs.amazonaws.com': { name: 'ECS', suffix: false },
  'es.amazonaws.com': { name: 'AmazonElasticsearchService', suffix: false },
  'opensearchservice.amazonaws.com': { name: 'AmazonOpenSearchService', suffix: false },
  'elasticloadbalancing.amazonaws.com': { name: 'ElasticLoadBalancing', suffix: false },
  'spot.amazonaws.com': { name: 'EC2Spot', suffix: false },
  'rds.amazonaws.com': { name: 'RDS', suffix: false },
  'eks.amazonaws.com': { name: 'AmazonEKS', suffix: false },
  'eks-nodegroup.amazonaws.com': { name: 'AmazonEKSNodegroup', suffix: false },
  'elasticache.amazonaws.com': { name: 'ElastiCache', suffix: false },
  'organizations.amazonaws.com': { name: 'Organizations', suffix: false },
  'support.amazonaws.com': { name: 'Support', suffix: false },
  'trustedadvisor.amazonaws.com': { name: 'TrustedAdvisor', suffix: false },
  'config.amazonaws.com': { name: 'Config', suffix: false },
  'cloudtrail.amazonaws.com': { name: 'CloudTrail', suffix: false },
  'guardduty.amazonaws.com': { name: 'AmazonGuardDuty', suffix: false },
  'ssm.amazonaws.com': { name: 'AmazonSSM', suffix: false },
  'codestar-notifications.amazonaws.com': { name: 'AWSCodeStarNotifications', suffix: false },
  'lex.amazonaws.com': { name: 'LexBots', suffix: true },
  'connect.amazonaws.com': { name: 'AmazonConnect', suffix: true },
  'dynamodb.application-autoscaling.amazonaws.com': { name: 'ApplicationAutoScaling_DynamoDBTable', suffix: false },
  'ecs.application-autoscaling.amazonaws.com': { name: 'ApplicationAutoScaling_ECSService', suffix: false },
  'custom-resource.application-autoscaling.amazonaws.com': { name: 'ApplicationAutoScaling_CustomResource', suffix: false },
};

const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*\.amazonaws\.com$/;
const SERVICE_ROLE_PATH = '/aws-service-role/';

function roleBaseName(service: string): { name: string; suffix: boolean } {
  const known = KNOWN_SERVICES[service];
  if (known) return known;
  const labels = service.slice(0, -'.amazonaws.com'.length).split(/[.-]/);
  return { name: labels.map((l) => l.charAt(0).toUpperCase() + l.slice(1)).join(''), suffix: true };
}

/** Refuses to change a service-linked role outside the service-linked role operations. */
export function requireModifiableRole<R extends { account: string; name: string }>(credentials: CredentialStore, row: R): R {
  if (credentials.linkedService(row.account, row.name) !== undefined) {
    throw new AwsError('UnmodifiableEntityException', `Cannot perform the operation on the protected role '${row.name}' - this role is only modifiable by AWS`);
  }
  return row;
}

function trustPolicy(service: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
}

export function serviceLinkedRoleHandlers({ store, credentials, rt }: CredentialContext): Handlers {
  return {
    CreateServiceLinkedRole(input: Iam.CreateServiceLinkedRoleRequest, ctx: RequestContext): Iam.CreateServiceLinkedRoleResponse {
      const service = input.AWSServiceName!;
      if (!SERVICE_PRINCIPAL.test(service)) throw new AwsError('InvalidInputException', `Invalid service name: ${service}`);
      const base = roleBaseName(service);
      if (input.CustomSuffix !== undefined && !base.suffix) throw new AwsError('InvalidInputException', `Custom suffix is not allowed for ${service}`);
      const roleName = `AWSServiceRoleFor${base.name}${input.CustomSuffix === undefined ? '' : `_${input.CustomSuffix}`}`;
      return store.tx(() => {
        if (store.getEntity('role', ctx.account, roleName)) {
          throw new AwsError('InvalidInputException', `Service role name ${roleName} has been taken in this account, please try a different suffix.`);
        }
        const row: RoleRow = {
          account: ctx.account,
          name: roleName,
          path: `${SERVICE_ROLE_PATH}${service}/`,
          id: iamId('AROA'),
          created_at: rt.clock.now(),
          trust_policy: trustPolicy(service),
          description: input.Description ?? null,
          max_session_duration: 3600,
          last_used_at: null,
          last_used_region: null,
        };
        store.insertRole(row);
        credentials.linkRole(ctx.account, roleName, service);
        return { Role: roleOut(row) };
      });
    },
    DeleteServiceLinkedRole(input: Iam.DeleteServiceLinkedRoleRequest, ctx: RequestContext): Iam.DeleteServiceLinkedRoleResponse {
      return store.tx(() => {
        const role = requireRole(store, ctx.account, input.RoleName!);
        const service = credentials.linkedService(ctx.account, role.name);
        if (service === undefined) throw noSuchEntity(`Role ${role.name} is not a service-linked role.`);
        // The linked service has nothing in use here, so the deletion succeeds at once.
        const id = `task/aws-service-role/${service}/${role.name}/${uuid()}`;
        credentials.insertDeletionTask({ id, account: ctx.account, role_name: role.name, status: 'SUCCEEDED', created_at: rt.clock.now() });
        for (const tag of tagsOf(store, ctx.account, 'role', role.name)) store.deleteTag(ctx.account, 'role', role.name, tag.Key!);
        for (const attachment of store.attachedTo(ctx.account, 'role', role.name)) store.detach(ctx.account, 'role', role.name, attachment.policy_arn);
        credentials.unlinkRole(ctx.account, role.name);
        credentials.deleteBoundary(ctx.account, 'role', role.name);
        store.deleteEntity('role', ctx.account, role.name);
        return { DeletionTaskId: id };
      });
    },
    GetServiceLinkedRoleDeletionStatus(input: Iam.GetServiceLinkedRoleDeletionStatusRequest, ctx: RequestContext): Iam.GetServiceLinkedRoleDeletionStatusResponse {
      const id = input.DeletionTaskId!;
      if (!id.startsWith('task/aws-service-role/')) throw new AwsError('InvalidInputException', `Invalid deletion task id: ${id}`);
      const task = credentials.getDeletionTask(ctx.account, id);
      if (!task) throw noSuchEntity(`Deletion task ${id} cannot be found.`);
      return { Status: task.status as Iam.DeletionTaskStatusType };
    },
  };
}
