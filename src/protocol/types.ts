/** The contracts between the server, the protocol pipeline and the services. */
import type { Readable } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceModel } from './model.js';
import type { Principal } from '../core/accounts.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { JobQueue } from '../core/jobs.js';
import type { Executor } from '../core/executor.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../core/store.js';

/** An HTTP request as the pipeline sees it once the server has read its head. */
export interface HttpRequest {
  method: string;
  /** Percent-encoded path as sent, without the query string (S3 virtual-host buckets already moved into it). */
  path: string;
  /** Raw query string without `?`. */
  rawQuery: string;
  /** Decoded query parameters in order. */
  query: [string, string][];
  /** Lower-cased header names; repeated headers joined with `,`. */
  headers: Record<string, string>;
  /** The whole body (every operation but streaming uploads). */
  body: Buffer;
  /** Streaming uploads only: the verified, de-chunked body. */
  stream?: Readable;
  /** Streaming uploads only: aws-chunked trailing headers, complete once `stream` has ended. */
  trailers?: Record<string, string>;
  /** The path the client signed, when routing rewrote it (S3 virtual-hosted-style buckets). */
  signedPath?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string | Readable;
}

export interface RequestContext {
  requestId: string;
  service: string;
  operation: string;
  account: string;
  region: string;
  principal: Principal;
  /** Base URL clients reach Drydock on, e.g. `http://localhost:4566`. */
  endpoint: string;
  /** The raw request, for the few operations whose semantics depend on it (S3 conditional headers …). */
  http: HttpRequest;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (input: any, ctx: RequestContext) => unknown | Promise<unknown>;
export type Handlers = Record<string, Handler>;

/** A stored credential: what SigV4 verification and caller resolution need. */
export interface Credential {
  secretAccessKey: string;
  principal: Principal;
  /** STS temporary credentials carry a token that must match x-amz-security-token. */
  sessionToken?: string;
  /** Epoch ms after which the credential is rejected (temporary credentials). */
  expiresAt?: number;
  /** IAM keys can be made Inactive. */
  active?: boolean;
}

export type CredentialLookup = (accessKeyId: string) => Credential | undefined;

/** What every service instance is given: the core, and a way to reach other services. */
export interface Runtime {
  store: Store;
  clock: Clock;
  events: EventBus;
  jobs: JobQueue;
  executor: Executor;
  log: Logger;
  endpoint: () => string;
  dataDir: string;
  /** Another service's public interface (what its `api` exposes). */
  service<T>(name: string): T;
  /** Resolves an access key to its credential, as SigV4 verification does (for non-AWS-protocol routes such as Git). */
  credential: CredentialLookup;
}

export interface ServiceInstance {
  handlers: Handlers;
  /** The typed interface other services use (never its tables). */
  api?: unknown;
  /** Credentials this service issues (IAM access keys, STS sessions). */
  credentials?: CredentialLookup;
  /** Serves requests under the definition's `httpPrefix` that are not AWS API calls (CodeCommit's Git smart HTTP). */
  handleHttp?(req: IncomingMessage, res: ServerResponse): Promise<void>;
  start?(): void;
  stop?(): void | Promise<void>;
  /** Before `/_drydock/reset` wipes the tables: ends running work and removes state kept outside the database. */
  reset?(): void | Promise<void>;
}

export interface ServiceDefinition {
  /** Folder name and SERVICES key, e.g. `ssm`. */
  name: string;
  model: ServiceModel;
  /** Error code for failed input validation in this service's style; `false` to skip generic validation (S3). */
  validationError: string | false;
  /** A path prefix (e.g. `/v1/repos/`) whose requests go to the instance's `handleHttp` instead of the AWS pipeline. */
  httpPrefix?: string;
  create(rt: Runtime): ServiceInstance;
}
