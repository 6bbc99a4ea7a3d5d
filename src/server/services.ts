/** Builds the runtime every service gets and one instance of each service in SERVICES. */
import type { Credential, Runtime, ServiceInstance } from '../protocol/types.js';
import { accountForRootKey, rootPrincipal, DEFAULT_SECRET_KEY } from '../core/accounts.js';
import type { Store } from '../core/store.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { EventBus } from '../core/events.js';
import { JobQueue } from '../core/jobs.js';
import { Executor, type SandboxMode } from '../core/executor.js';
import { SERVICES } from '../services/index.js';

export interface ServiceSet {
  runtime: Runtime;
  instances: Map<string, ServiceInstance>;
}

export function createServices(opts: { store: Store; clock: Clock; log: Logger; dataDir: string; endpoint: () => string; sandbox?: SandboxMode }): ServiceSet {
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
  const runtime: Runtime = {
    store,
    clock,
    log,
    events: new EventBus(clock, (err) => log.error({ err }, 'event listener failed')),
    jobs: new JobQueue(store, clock, (err, job) => log.error({ err, job: job.id, kind: job.kind }, 'job failed')),
    executor: new Executor(log, opts.sandbox),
    dataDir: opts.dataDir,
    endpoint: opts.endpoint,
    credential,
    service<T>(name: string): T {
      const instance = instances.get(name);
      if (!instance?.api) throw new Error(`service ${name} has no public api`);
      return instance.api as T;
    },
  };
  for (const def of Object.values(SERVICES)) instances.set(def.name, def.create(runtime));
  return { runtime, instances };
}
