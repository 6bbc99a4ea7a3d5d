/** Builds the runtime every service gets and one instance of each service in SERVICES. */

import { accountForRootKey, DEFAULT_SECRET_KEY, rootPrincipal } from '../core/accounts.js';
import type { Clock } from '../core/clock.js';
import { EventBus } from '../core/events.js';
import { Executor, type SandboxMode } from '../core/executor.js';
import { JobQueue } from '../core/jobs.js';
import { once } from '../core/lazy.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../core/store.js';
import { OperationInvoker } from '../protocol/invoke.js';
import type { Credential } from '../protocol/types.js';
import { arnSegment, createAuthorizer } from '../services/authorization.js';
import type { Runtime, ServiceInstance } from '../services/contracts.js';
import { SERVICES } from '../services/index.js';
import type { ServiceApis } from '../services/registry.js';

export interface ServiceSet {
  runtime: Runtime;
  instances: Map<string, ServiceInstance>;
  /** Validate → invoke for every service: the HTTP pipeline's last steps and the in-process call path. */
  invoker: OperationInvoker;
}

interface ServiceOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  dataDir: string;
  endpoint: () => string;
  sandbox?: SandboxMode;
}

/** In one transaction: on a fresh data directory, every service's schema is written in a single commit. */
export function createServices(opts: ServiceOptions): ServiceSet {
  return opts.store.tx(() => buildServices(opts));
}

function buildServices(opts: ServiceOptions): ServiceSet {
  const { store, clock, log } = opts;
  const instances = new Map<string, ServiceInstance>();
  // Root keys (`test`, twelve-digit account ids) first, then whatever the services issue (IAM keys, STS sessions).
  const credential = (accessKeyId: string): Credential | undefined => {
    const rootAccount = accountForRootKey(accessKeyId);
    if (rootAccount) return { secretAccessKey: DEFAULT_SECRET_KEY, principal: rootPrincipal(rootAccount, accessKeyId) };
    for (const instance of instances.values()) {
      const found = instance.credentials?.(accessKeyId);
      if (found) return found;
    }
    return undefined;
  };
  // Made once every instance exists: services call each other only at run time, never while created.
  let invoker: OperationInvoker | undefined;
  const ready = (): OperationInvoker => {
    if (!invoker) throw new Error('a service called another while the services were being created');
    return invoker;
  };
  clock.onTimerError = (err) => log.error({ err }, 'clock timer failed');
  store.onHookError = (err) => log.error({ err }, 'after-commit hook failed');
  const jobs = new JobQueue(store, clock, (err, job) => log.error({ err, job: job.id, kind: job.kind, attempt: job.attempts }, 'job failed'));
  const runtime: Runtime = {
    store,
    clock,
    log,
    // Durable subscriptions write their deliveries as jobs in the publisher's transaction.
    events: new EventBus(clock, (err) => log.error({ err }, 'event listener failed'), { store, jobs }),
    jobs,
    executor: new Executor(log, opts.sandbox),
    dataDir: opts.dataDir,
    endpoint: opts.endpoint,
    credential,
    call: (service, operation, input, caller) => ready().call(service, operation, input, caller) as never,
    invoke: (call, caller) => ready().call(call.service, call.operation, call.input, caller),
    api<S extends keyof ServiceApis>(name: S): ServiceApis[S] {
      const instance = instances.get(name);
      if (!instance?.api) throw new Error(`service ${name} has no public api`);
      return instance.api as ServiceApis[S];
    },
  };
  for (const def of Object.values(SERVICES)) instances.set(def.name, def.create(runtime));
  invoker = new OperationInvoker(
    Object.values(SERVICES).map((def) => ({
      name: def.name,
      model: def.model,
      validationError: def.validationError,
      dialect: def.dialect,
      unimplemented: def.unimplemented,
      handlers: instances.get(def.name)!.handlers,
    })),
    opts.endpoint,
    createAuthorizer({
      tables: new Map(
        Object.values(SERVICES).flatMap((def) => {
          const table = instances.get(def.name)!.authorization ?? def.authorization;
          return table ? [[def.name, table] as const] : [];
        }),
      ),
      resourcePolicy: (arn) => resourceOwner(arn)?.resourcePolicy?.(arn),
      iam: () => runtime.api('iam'),
    }),
  );
  // Made once every instance exists, on the first request with a resource to authorize.
  const ownersByArnService = once(() => instancesByArnService(instances));
  return { runtime, instances, invoker };

  /** The instance of the service an ARN names (`arn:aws:s3:::bucket` → S3), which knows the resource's policy. */
  function resourceOwner(arn: string): ServiceInstance | undefined {
    const service = arnSegment(arn, 2);
    return service === undefined ? undefined : ownersByArnService().get(service);
  }
}

/**
 * Each instance by the names an ARN's service segment may give it (its name, its signing name; the
 * first service in SERVICES wins a name two share), looked up once per authorized request.
 */
function instancesByArnService(instances: Map<string, ServiceInstance>): Map<string, ServiceInstance> {
  const byName = new Map<string, ServiceInstance>();
  for (const def of Object.values(SERVICES)) {
    for (const name of [def.name, def.model.signingName]) if (!byName.has(name)) byName.set(name, instances.get(def.name)!);
  }
  return byName;
}
