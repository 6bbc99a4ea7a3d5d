/**
 * What the protocol pipeline hands a handler and expects back. The contracts a service implements
 * (ServiceDefinition, ServiceInstance, Runtime) live in the services layer: src/services/contracts.ts.
 */
import type { Readable } from 'node:stream';
import type { Principal } from '../core/accounts.js';

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
  /** The client's IP address (aws:SourceIp); none for in-process calls. */
  sourceIp?: string;
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
  /** Services that called this operation in-process on the principal's behalf, outermost first (aws:CalledVia). */
  calledVia?: string[];
  /** In-process calls a service principal makes for one of its resources: that resource (aws:SourceArn) and its account (aws:SourceAccount). */
  sourceArn?: string;
  sourceAccount?: string;
  /** The raw request, for the few operations whose semantics depend on it (S3 conditional headers …). */
  http: HttpRequest;
}

/**
 * An operation's handler: the input the pipeline decoded and validated for it, typed by each
 * handler with its own SDK input shape. Declared through a method so that its parameter is
 * checked bivariantly: a handler of `GetParameterRequest` is a Handler, and any object can be
 * passed to one without a cast.
 */
export type Handler = { handle(input: object, ctx: RequestContext): unknown }['handle'];
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
  /** Called once a request signed with this credential passed authentication (IAM records key last use). */
  onUse?(service: string, region: string): void;
}

export type CredentialLookup = (accessKeyId: string) => Credential | undefined;
