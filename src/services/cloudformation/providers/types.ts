/**
 * The resource provider interface: how the stack engine creates, updates, deletes and reads one
 * resource type. Each provider is one small file (`providers/<service>-<type>.ts`) that maps those
 * steps onto the owning service's operations through the in-process call path (`ctx.call`), so the
 * stack acts with the permissions of its RoleARN (or of whoever started the operation), exactly
 * as a user calling the API would. A provider never reads another service's tables.
 *
 * Adding a resource type: write the file, add it to PROVIDERS in `providers/index.ts`, make sure
 * the type is in the committed specification index (`spec/`), and test it with a stack.
 */
import type { Clock } from '../../../core/clock.js';
import type { InProcessCaller, Runtime, ServiceCall } from '../../contracts.js';
import type { CallableService, InputOf, OperationOf, OutputOf } from '../../registry.js';

/** Resolved properties as the template gives them after intrinsics (NoValue members removed). */
export type Properties = Record<string, unknown>;

/** What a provider answers after creating or updating a resource. */
export interface ProvidedResource {
  /** The physical resource id, also what `Ref` returns (a queue URL, a bucket name, a role name …, as AWS documents per type). */
  physicalId: string;
  /** The values `Fn::GetAtt` reads, by attribute name as AWS documents them (`Arn`, `QueueName`, `Endpoint.Address` …). */
  attributes?: Record<string, unknown>;
}

/** A resource as the engine recorded it. */
export interface CurrentResource {
  physicalId: string;
  props: Properties;
  attributes: Record<string, unknown>;
}

export interface ProviderContext {
  /** Runs an operation as the stack: the stack's RoleARN session when it has one, otherwise the principal who started the stack operation. */
  call<S extends CallableService, O extends OperationOf<S>>(service: S, operation: O, input: InputOf<S, O>): Promise<OutputOf<S, O>>;
  /** `call` for calls built as data. */
  invoke(call: ServiceCall): Promise<unknown>;
  /** Who `call` runs as (for providers that must hand a caller to another path, e.g. `rt.api`). */
  caller: InProcessCaller;
  /** The runtime, for `rt.api(...)` where no operation offers what is needed (reading an S3 object's bytes …) and for the clock. */
  rt: Runtime;
  clock: Clock;
  account: string;
  region: string;
  partition: string;
  stackName: string;
  stackId: string;
  logicalId: string;
  resourceType: string;
  /**
   * AWS's generated physical name for resources whose name property was left out:
   * `<stackName>-<logicalId>-<12 random upper-case alphanumerics>`, with stack name and logical id
   * shortened so the whole fits `maxLength` (default 255) as AWS does; `lowercase` for types whose
   * names must be lower case (S3 buckets).
   */
  physicalName(options?: { maxLength?: number; lowercase?: boolean }): string;
  /** Aborted when the stack operation is cancelled (CancelUpdateStack) or the server stops: stop waiting and throw. */
  signal: AbortSignal;
  /**
   * Records the physical id of the resource being created before `create` answers, for providers
   * that then wait long (a nested stack): a failure, or a restart while waiting, still finds the
   * resource, so the stack's rollback deletes it. Absent where the engine does not create.
   */
  recordPhysicalId?(physicalId: string): void;
  /**
   * Records, durably and before the service call that creates the resource, the physical id it
   * will have, for providers that know it up front because they generated the name
   * (`physicalName()`): when Drydock is killed between the service's create and the engine's own
   * record, the resource is still known, and the rollback deletes it (deleting one that was never
   * made counts as done). A create that fails forgets it. Never for a name the template gave: a
   * resource of that name may have existed before, and the rollback must not delete it. Absent
   * where the engine does not create.
   */
  intendPhysicalId?(physicalId: string): void;
}

export interface ResourceProvider {
  /** Creates the resource; a thrown AwsError fails it with the error's message as ResourceStatusReason. */
  create(ctx: ProviderContext, props: Properties): Promise<ProvidedResource>;
  /**
   * Updates the resource in place (the engine calls this only when no changed property requires
   * replacement). Absent: every update replaces the resource.
   */
  update?(ctx: ProviderContext, current: CurrentResource, props: Properties): Promise<ProvidedResource>;
  /**
   * `update` runs on every update of the stack (and on every update rollback), even when the
   * resource's properties did not change: a nested stack's template at the same URL may have.
   */
  updatesUnchanged?: boolean;
  /**
   * For properties the specification marks Conditional: whether this change replaces the resource.
   * Absent: a conditional change is made in place.
   */
  requiresReplacement?(changed: string[], current: CurrentResource, props: Properties): boolean;
  /** Deletes the resource. A resource that is already gone counts as deleted (AWS does the same). */
  delete(ctx: ProviderContext, current: CurrentResource): Promise<void>;
  /**
   * The resource's actual properties now, read through the service API, in the template's
   * property names, for drift detection; undefined when the resource no longer exists.
   * Only properties the provider can read are compared.
   */
  read?(ctx: ProviderContext, current: CurrentResource): Promise<Properties | undefined>;
}
