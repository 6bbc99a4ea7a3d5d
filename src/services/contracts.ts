/**
 * The contracts between the server and the services: what a service defines (ServiceDefinition),
 * what an instance of it offers (ServiceInstance), and what every instance is given (Runtime),
 * including the one in-process call path services use to call each other.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { Executor } from '../core/executor.js';
import type { JobQueue } from '../core/jobs.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../core/store.js';
import type { ProtocolDialect } from '../protocol/dialect.js';
import type { InProcessCaller } from '../protocol/invoke.js';
import type { ServiceModel } from '../protocol/model.js';
import type { CredentialLookup, Handlers } from '../protocol/types.js';
import type { ResourcePolicy, ServiceAuthorization } from './authorization.js';
import type { CallableService, InputOf, OperationOf, OutputOf, ServiceApis } from './registry.js';

export type { InProcessCaller } from '../protocol/invoke.js';

/** An operation call as data: what an EventBridge target, a resource provider or a pipeline action resolves to. */
export interface ServiceCall {
  service: string;
  operation: string;
  input: Record<string, unknown>;
}

/** What every service instance is given: the core, and the ways to reach other services. */
export interface Runtime {
  store: Store;
  clock: Clock;
  events: EventBus;
  jobs: JobQueue;
  executor: Executor;
  log: Logger;
  endpoint: () => string;
  dataDir: string;
  /**
   * Runs an operation of any service in-process for `caller`: the same validate → invoke path as
   * an HTTP request (without HTTP or SigV4), answering the typed output or throwing the same AwsError.
   */
  call<S extends CallableService, O extends OperationOf<S>>(service: S, operation: O, input: InputOf<S, O>, caller: InProcessCaller): Promise<OutputOf<S, O>>;
  /** `call` for calls that are data (`{ service, operation, input }`), typed only at run time by the models. */
  invoke(call: ServiceCall, caller: InProcessCaller): Promise<unknown>;
  /** Another service's public interface, for what no operation offers (reading a Git tree, S3 object streams …). */
  api<S extends keyof ServiceApis>(name: S): ServiceApis[S];
  /** Resolves an access key to its credential, as SigV4 verification does (for non-AWS-protocol routes such as Git). */
  credential: CredentialLookup;
}

export interface ServiceInstance {
  handlers: Handlers;
  /** The typed interface other services use (never its tables); listed in ServiceApis. */
  api?: unknown;
  /** Credentials this service issues (IAM access keys, STS sessions). */
  credentials?: CredentialLookup;
  /** Serves requests under the definition's `httpPrefix` that are not AWS API calls (CodeCommit's Git smart HTTP). */
  handleHttp?(req: IncomingMessage, res: ServerResponse): Promise<void>;
  start?(): void;
  stop?(): void | Promise<void>;
  /** Before `/_drydock/reset` wipes the tables: ends running work and removes state kept outside the database. */
  reset?(): void | Promise<void>;
  /**
   * The resource-based policy of one of this service's resources (a bucket policy, a key policy, a
   * secret's policy …), for the authorization step; undefined when the resource has none.
   */
  resourcePolicy?(arn: string): ResourcePolicy | undefined;
  /**
   * The service's authorization table when its rules need the service's state (an IAM entity's
   * path, a pull request's repository); takes the place of the definition's `authorization`.
   */
  authorization?: ServiceAuthorization;
}

export interface ServiceDefinition {
  /** Folder name and SERVICES key, e.g. `ssm`. */
  name: string;
  model: ServiceModel;
  /** Error code for failed input validation in this service's style; `false` to skip generic validation (S3). */
  validationError: string | false;
  /** A path prefix (e.g. `/v1/repos/`) whose requests go to the instance's `handleHttp` instead of the AWS pipeline. */
  httpPrefix?: string;
  /** Where the service departs from AWS's usual protocol rules (S3's virtual hosts, error forms, signed payload header …). */
  dialect?: ProtocolDialect;
  /** What each operation needs to be allowed (IAM actions, resources, condition keys), as data. */
  authorization?: ServiceAuthorization;
  /**
   * Why Drydock leaves an operation of the model unimplemented, when there is a reason beyond "not
   * yet" (no GitHub offline, no CodeDeploy service …): its 501 says so, and so does docs/coverage.md.
   */
  unimplemented?: Readonly<Record<string, string>>;
  create(rt: Runtime): ServiceInstance;
}
