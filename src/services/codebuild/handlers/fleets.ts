/**
 * CodeBuild reserved-capacity fleets: CreateFleet, UpdateFleet, DeleteFleet, BatchGetFleets,
 * ListFleets. A fleet is a record with a capacity that the build runner enforces: each build on
 * the fleet holds one of its baseCapacity slots while it runs; beyond that, overflowBehavior QUEUE
 * keeps builds in QUEUED and ON_DEMAND runs them anyway (engine/runner.ts). No separate machines exist:
 * every build runs on this host either way.
 */
import type * as CB from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { arn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import { uuid } from '../../../core/ids.js';
import type { RequestContext } from '../../../protocol/types.js';
import { type FleetSortBy, fleetOf, type SortOrder } from '../store/fleet-store.js';
import { checkServiceRole, checkTags, type HandlerContext, invalid, LAMBDA_ENVIRONMENTS, PAGE_SIZE, present, scopeOf } from './common.js';
import { decodeListToken, encodeListToken } from './projects.js';

/** `arn:aws:codebuild:<region>:<account>:fleet/<name>:<uuid>`: the uuid tells a fleet from an earlier one of the same name. */
const fleetArn = (scope: Scope, name: string, id: string): string => arn('codebuild', scope.region, scope.account, `fleet/${name}:${id}`);
const fleetNotFound = (what: string) => new AwsError('ResourceNotFoundException', `Fleet cannot be found: ${what}`);

/** What CreateFleet and UpdateFleet validate and store: the Fleet minus its identity and times. */
type FleetFields = Omit<CB.CreateFleetInput, 'name'>;

/** Validates a fleet's fields and fills AWS's defaults; throws before anything is written. */
function normalize(c: HandlerContext, scope: Scope, name: string, id: string, fields: FleetFields, checkRole: boolean): CB.Fleet {
  const baseCapacity = fields.baseCapacity!;
  if (!Number.isInteger(baseCapacity) || baseCapacity < 1) throw invalid('baseCapacity must be at least 1');
  const environmentType = fields.environmentType!;
  const computeType = fields.computeType!;
  // Reserved capacity is EC2 machines: Lambda compute has no fleets.
  if (LAMBDA_ENVIRONMENTS.has(environmentType) || computeType.startsWith('BUILD_LAMBDA_')) {
    throw invalid(`environment type ${environmentType} with compute type ${computeType} is not supported for reserved capacity fleets`);
  }
  if (computeType === 'ATTRIBUTE_BASED_COMPUTE' && !fields.computeConfiguration) throw invalid('computeConfiguration must be specified for compute type ATTRIBUTE_BASED_COMPUTE');
  if (computeType === 'CUSTOM_INSTANCE_TYPE' && !fields.computeConfiguration?.instanceType) throw invalid('computeConfiguration.instanceType must be specified for compute type CUSTOM_INSTANCE_TYPE');

  let scalingConfiguration: CB.ScalingConfigurationOutput | undefined;
  const scaling = fields.scalingConfiguration;
  // An empty scaling configuration removes scaling (how UpdateFleet turns it off).
  if (scaling && (scaling.scalingType !== undefined || scaling.maxCapacity !== undefined || scaling.targetTrackingScalingConfigs !== undefined)) {
    if (scaling.scalingType === undefined) throw invalid('scalingConfiguration.scalingType must be specified');
    if (scaling.maxCapacity === undefined) throw invalid('scalingConfiguration.maxCapacity must be specified');
    if (scaling.maxCapacity < baseCapacity) throw invalid(`scalingConfiguration.maxCapacity (${scaling.maxCapacity}) must be at least baseCapacity (${baseCapacity})`);
    const targets = present(scaling.targetTrackingScalingConfigs, 'targetTrackingScalingConfigs').map((t) => {
      if (t.metricType === undefined || t.targetValue === undefined) throw invalid('every target tracking scaling configuration needs metricType and targetValue');
      // FLEET_UTILIZATION_RATE is a percentage.
      if (!(t.targetValue >= 0 && t.targetValue <= 100)) throw invalid(`targetValue ${t.targetValue} must be between 0 and 100`);
      return { metricType: t.metricType, targetValue: t.targetValue };
    });
    scalingConfiguration = {
      scalingType: scaling.scalingType,
      ...(targets.length ? { targetTrackingScalingConfigs: targets } : {}),
      maxCapacity: scaling.maxCapacity,
      // Drydock never scales out: the fleet runs at its base capacity.
      desiredCapacity: baseCapacity,
    };
  }

  const vpc = fields.vpcConfig;
  if (vpc && (vpc.subnets?.length || vpc.securityGroupIds?.length) && !vpc.vpcId) throw invalid('vpcConfig needs a vpcId when it has subnets or security groups');
  // CodeBuild creates the fleet's network interfaces with the fleet's own role.
  if (vpc?.vpcId && fields.fleetServiceRole === undefined) throw invalid('fleetServiceRole must be specified for a fleet with a vpcConfig');
  if (fields.fleetServiceRole !== undefined && checkRole) checkServiceRole(c, scope, fields.fleetServiceRole);
  const proxy = fields.proxyConfiguration;
  // Rules are recorded, never applied; a null rule is still malformed input.
  if (proxy) present(proxy.orderedProxyRules, 'orderedProxyRules');
  const tags = checkTags(fields.tags ?? []);

  return {
    arn: fleetArn(scope, name, id),
    name,
    id: `${name}:${id}`,
    status: { statusCode: 'ACTIVE' },
    baseCapacity,
    environmentType,
    computeType,
    ...(fields.computeConfiguration ? { computeConfiguration: fields.computeConfiguration } : {}),
    ...(scalingConfiguration ? { scalingConfiguration } : {}),
    overflowBehavior: fields.overflowBehavior ?? 'QUEUE',
    ...(vpc ? { vpcConfig: vpc } : {}),
    ...(proxy ? { proxyConfiguration: proxy } : {}),
    ...(fields.imageId !== undefined ? { imageId: fields.imageId } : {}),
    ...(fields.fleetServiceRole !== undefined ? { fleetServiceRole: fields.fleetServiceRole } : {}),
    tags,
  };
}

const stored = (fleet: CB.Fleet): string => {
  const { created: _created, lastModified: _lastModified, ...rest } = fleet;
  return JSON.stringify(rest);
};

/** The fleet UpdateFleet names, by name or ARN. */
function existing(c: HandlerContext, scope: Scope, nameOrArn: string): CB.Fleet {
  const row = c.stores.fleets.row(scope, nameOrArn);
  if (!row) throw fleetNotFound(nameOrArn);
  return fleetOf(row);
}

export function CreateFleet(c: HandlerContext, input: CB.CreateFleetInput, ctx: RequestContext): CB.CreateFleetOutput {
  const scope = scopeOf(ctx);
  const { name, ...fields } = input;
  const fleet = normalize(c, scope, name!, uuid(), fields, true);
  const now = c.rt.clock.now();
  c.stores.fleets.tx(() => {
    if (c.stores.fleets.row(scope, name!)) throw new AwsError('ResourceAlreadyExistsException', `Fleet already exists: ${name}`);
    c.stores.fleets.insert({ account: scope.account, region: scope.region, name: name!, arn: fleet.arn!, created_at: now, modified_at: now, fleet: stored(fleet) });
  });
  // AWS answers while the fleet is still CREATING; Drydock has nothing to provision, so the
  // stored fleet (every later read) is ACTIVE.
  return { fleet: { ...fleet, created: new Date(now), lastModified: new Date(now), status: { statusCode: 'CREATING' } } };
}

export function UpdateFleet(c: HandlerContext, input: CB.UpdateFleetInput, ctx: RequestContext): CB.UpdateFleetOutput {
  const scope = scopeOf(ctx);
  const { arn: nameOrArn, ...changes } = input;
  const current = existing(c, scope, nameOrArn!);
  const merged: FleetFields = {
    baseCapacity: current.baseCapacity,
    environmentType: current.environmentType,
    computeType: current.computeType,
    computeConfiguration: current.computeConfiguration,
    scalingConfiguration: current.scalingConfiguration && {
      scalingType: current.scalingConfiguration.scalingType,
      targetTrackingScalingConfigs: current.scalingConfiguration.targetTrackingScalingConfigs,
      maxCapacity: current.scalingConfiguration.maxCapacity,
    },
    overflowBehavior: current.overflowBehavior,
    vpcConfig: current.vpcConfig,
    proxyConfiguration: current.proxyConfiguration,
    imageId: current.imageId,
    fleetServiceRole: current.fleetServiceRole,
    tags: current.tags,
  };
  for (const [key, value] of Object.entries(changes) as [keyof FleetFields, unknown][]) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  const id = current.id!.slice(current.name!.length + 1);
  // The role is assumed again only when it is set.
  const fleet = normalize(c, scope, current.name!, id, merged, changes.fleetServiceRole !== undefined);
  const now = Math.max(c.rt.clock.now(), current.lastModified!.getTime());
  c.stores.fleets.tx(() => c.stores.fleets.update(scope, current.name!, now, stored(fleet)));
  // Builds waiting for this fleet's capacity are reconsidered at once (a raised baseCapacity, ON_DEMAND or a deleted fleet lets them run).
  c.runner.reconsiderQueue();
  return { fleet: { ...fleet, created: current.created, lastModified: new Date(now) } };
}

export function DeleteFleet(c: HandlerContext, input: CB.DeleteFleetInput, ctx: RequestContext): CB.DeleteFleetOutput {
  const scope = scopeOf(ctx);
  c.stores.fleets.tx(() => {
    // A fleet that is already gone is deleted: success, as CodeBuild's other Delete operations answer.
    const row = c.stores.fleets.row(scope, input.arn!);
    if (!row) return;
    // AWS does not document this case; Drydock refuses rather than leave projects naming a
    // fleet that no longer exists (their builds could not start).
    const projects = c.stores.fleets.projectsUsing(scope, row.arn);
    if (projects.length) throw invalid(`fleet ${row.arn} is used by project(s) ${projects.join(', ')}: remove it from their environment first`);
    c.stores.fleets.remove(scope, row.name);
  });
  // Builds already waiting for this fleet no longer wait for its capacity.
  // Builds waiting for this fleet's capacity are reconsidered at once (a raised baseCapacity, ON_DEMAND or a deleted fleet lets them run).
  c.runner.reconsiderQueue();
  return {};
}

export function BatchGetFleets(c: HandlerContext, input: CB.BatchGetFleetsInput, ctx: RequestContext): CB.BatchGetFleetsOutput {
  const scope = scopeOf(ctx);
  const fleets: CB.Fleet[] = [];
  const fleetsNotFound: string[] = [];
  for (const nameOrArn of present(input.names, 'names')) {
    const row = c.stores.fleets.row(scope, nameOrArn);
    if (row) fleets.push(fleetOf(row));
    else fleetsNotFound.push(nameOrArn);
  }
  return { fleets, fleetsNotFound };
}

export function ListFleets(c: HandlerContext, input: CB.ListFleetsInput, ctx: RequestContext): CB.ListFleetsOutput {
  const scope = scopeOf(ctx);
  // As ListProjects: most recently changed first without a sortBy; names default to A–Z.
  const sortBy: FleetSortBy = input.sortBy ?? 'LAST_MODIFIED_TIME';
  const order: SortOrder = input.sortOrder ?? (sortBy === 'NAME' ? 'ASCENDING' : 'DESCENDING');
  const cursor = input.nextToken !== undefined ? decodeListToken(input.nextToken, sortBy, order) : undefined;
  const size = input.maxResults ?? PAGE_SIZE;
  const rows = c.stores.fleets.list(scope, sortBy, order, cursor, size + 1);
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  return {
    fleets: page.map((r) => r.arn),
    ...(rows.length > size ? { nextToken: encodeListToken(sortBy, order, { value: last.value, name: last.name }) } : {}),
  };
}

/** The operations of this file, each taking the context first (bound in index.ts). */
export const fleetOperations = { CreateFleet, UpdateFleet, DeleteFleet, BatchGetFleets, ListFleets };
