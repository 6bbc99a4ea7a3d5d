/**
 * The authorization step of the request pipeline, for every service: after validation and before
 * the handler, for HTTP requests and in-process calls alike (see `Authorize` in
 * src/protocol/invoke.ts).
 *
 * What each operation needs is data, one table per service (`src/services/<name>/authorization.ts`,
 * taken from AWS's Service Authorization Reference): the IAM action (`<prefix>:<Operation>` unless
 * the table says otherwise), the resource ARN(s) it acts on, the service's own condition keys, and
 * the further actions AWS checks for it (`iam:PassRole` when a project names a service role …).
 * The decision itself is IAM's (identity policies, permissions boundaries, session policies) with
 * the resource's own policy (bucket policy, key policy, secret policy …) from the service that owns
 * the resource.
 */
import { partitionOf } from '../core/arn.js';
import { AwsError } from '../core/errors.js';
import { once } from '../core/lazy.js';
import type { ContextValue } from '../core/policy.js';
import type { Authorize, BoundService } from '../protocol/invoke.js';
import type { Operation } from '../protocol/model.js';
import type { RequestContext } from '../protocol/types.js';
import type { IamApi } from './iam/index.js';

/**
 * A function of the operation's input, declared through a method so that its parameter is checked
 * bivariantly: a rule may take the operation's own SDK input shape.
 */
type OfInput<T> = { of(input: object, ctx: RequestContext): T }['of'];

/**
 * A resource the action is checked on: `*`; an ARN template where `${Partition}`, `${Region}`,
 * `${Account}` are the request's and `${Member}` is a top-level input member (a missing member
 * makes the whole resource `*`, as AWS checks actions on unnamed resources); or a function.
 */
export type ResourceSpec = string | OfInput<string | string[]>;

export interface ActionRule {
  /**
   * Operations the generic step leaves alone: `none` needs no permission at all (STS
   * GetCallerIdentity answers even under an explicit deny); `handler` authorizes itself, because
   * what it needs is not an identity permission on a resource (AssumeRole evaluates the role's trust
   * policy with the caller's identity).
   */
  unchecked?: 'none' | 'handler';
  /** The IAM action; `<prefix>:<Operation>` when omitted. */
  action?: string;
  /** The resource(s) checked; `*` when omitted. */
  resource?: ResourceSpec;
  /** The service's own condition keys for this request (`ssm:Recursive`, `s3:prefix` …). */
  context?: OfInput<Record<string, ContextValue>>;
  /** Further actions AWS checks for this operation, each on its own resource, when `when` holds, with its own condition keys when it has them (else the operation's). */
  also?: { action: string; resource: ResourceSpec; when?: OfInput<boolean>; context?: OfInput<Record<string, ContextValue>> }[];
}

export interface ServiceAuthorization {
  /** The service's IAM action prefix (`ssm`, `s3` …). */
  prefix: string;
  /** Rules by operation name; an operation without one is `<prefix>:<Operation>` on `*`. */
  rules: Record<string, ActionRule>;
  /** The service's own denial, where it is neither AccessDenied nor AccessDeniedException (SNS answers AuthorizationError). */
  denied?: (message: string) => AwsError;
}

/** One (action, resource) pair the request must be allowed. */
export interface AccessCheck {
  action: string;
  resource: string;
  /**
   * The condition keys, made on first use: some read the service's state (resource tags), which a
   * request that needs no evaluation (root on its own resources) never pays for.
   */
  context(): Record<string, ContextValue>;
}

/** The checks a request needs, from its service's table. */
export function accessChecks(table: ServiceAuthorization | undefined, prefix: string, op: Operation, input: Record<string, unknown>, ctx: RequestContext): AccessCheck[] {
  const rule = table?.rules[op.name] ?? {};
  if (rule.unchecked) return [];
  const context = once(() => rule.context?.(input, ctx) ?? {});
  const checks: AccessCheck[] = [];
  const action = rule.action ?? `${table?.prefix ?? prefix}:${op.name}`;
  for (const resource of resources(rule.resource ?? '*', input, ctx)) checks.push({ action, resource, context });
  for (const extra of rule.also ?? []) {
    if (extra.when && !extra.when(input, ctx)) continue;
    // A further action has condition keys of its own (iam:PassedToService), not the operation's.
    const extraContext = extra.context ? once(() => extra.context!(input, ctx)) : context;
    for (const resource of resources(extra.resource, input, ctx)) checks.push({ action: extra.action, resource, context: extraContext });
  }
  return checks;
}

function resources(spec: ResourceSpec, input: Record<string, unknown>, ctx: RequestContext): string[] {
  if (typeof spec === 'function') {
    const out = spec(input, ctx);
    return Array.isArray(out) ? out : [out];
  }
  return [expand(spec, input, ctx)];
}

const PLACEHOLDER = /\$\{([A-Za-z][A-Za-z0-9]*)\}/g;

/** A template split once into its text (even indexes) and placeholder names (odd ones). */
const compiledTemplates = new Map<string, string[]>();

function compiled(template: string): string[] {
  let parts = compiledTemplates.get(template);
  if (!parts) {
    // split() with a capturing group keeps each placeholder's name between the texts around it.
    parts = template.split(PLACEHOLDER);
    compiledTemplates.set(template, parts);
  }
  return parts;
}

/**
 * An ARN template with the request's partition, region, account and input members filled in.
 * Every checked request expands one, so the template is split once rather than matched each time.
 */
export function expand(template: string, input: Record<string, unknown>, ctx: RequestContext): string {
  const parts = compiled(template);
  let out = parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i];
    let value: string;
    if (name === 'Partition') value = partitionOf(ctx.region);
    else if (name === 'Region') value = ctx.region;
    else if (name === 'Account') value = ctx.account;
    else {
      const member = input[name];
      if (member === undefined || member === null || member === '') return '*';
      value = String(member);
    }
    out += value + parts[i + 1];
  }
  return out;
}

/** A resource-based policy and the account that owns the resource. */
export interface ResourcePolicy {
  document: string;
  account: string;
  /**
   * Whether the resource policy must allow the request even in its own account (KMS key policies
   * and role trust policies); elsewhere an allow from either the identity or the resource side
   * suffices within one account.
   */
  required?: boolean;
}

/** What the authorizer needs of the running services. */
export interface AuthorizerDeps {
  /** Each service's table, by service name. */
  tables: Map<string, ServiceAuthorization>;
  /** The policy a resource carries, from the service that owns it (by the ARN's service segment). */
  resourcePolicy(arn: string): ResourcePolicy | undefined;
  iam(): IamApi;
}

/** The pipeline's authorization step over every service's table. */
export function createAuthorizer(deps: AuthorizerDeps): Authorize {
  return (service: BoundService, op: Operation, input: Record<string, unknown>, ctx: RequestContext) => {
    const iam = deps.iam();
    for (const check of accessChecks(deps.tables.get(service.name), service.model.signingName, op, input, ctx)) {
      const resourcePolicy = check.resource === '*' ? undefined : deps.resourcePolicy(check.resource);
      // The account that owns the resource: the policy's owner when the resource has one, else the
      // account the ARN of one of this service's resources names (S3 ARNs name none: a bucket of
      // another account is reached only through its policy), else the account the request acts in.
      // A further action on another service's resource (iam:PassRole on a role) is the caller's
      // own permission, decided in the caller's account.
      const resourceAccount = resourcePolicy?.account ?? accountOf(check.resource, service.model.signingName) ?? ctx.account;
      // An account's root credentials have full access to the account's own resources.
      if (ctx.principal.kind === 'root' && ctx.principal.account === resourceAccount) continue;
      const result = iam.authorize(ctx.principal, {
        action: check.action,
        resource: check.resource,
        region: ctx.region,
        // Made only if a statement reads a key: the service's keys may cost a read of its state (tags).
        context: () => ({
          ...check.context(),
          ...(ctx.http.sourceIp ? { 'aws:SourceIp': ctx.http.sourceIp } : {}),
          ...(ctx.calledVia?.length ? { 'aws:CalledVia': ctx.calledVia, 'aws:CalledViaFirst': ctx.calledVia[0], 'aws:CalledViaLast': ctx.calledVia.at(-1) } : {}),
          ...(ctx.sourceArn ? { 'aws:SourceArn': ctx.sourceArn } : {}),
          ...(ctx.sourceAccount ? { 'aws:SourceAccount': ctx.sourceAccount } : {}),
        }),
        resourcePolicy,
        resourceAccount,
      });
      if (result.decision !== 'Allow') throw deps.tables.get(service.name)?.denied?.(result.message) ?? accessDenied(service, result.message);
    }
  };
}

/** The account segment of an ARN of `service`'s resources, when it has one. */
function accountOf(arn: string, service: string): string | undefined {
  if (arnSegment(arn, 2) !== service) return undefined;
  const account = arnSegment(arn, 4);
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

/** `arn.split(':')[index]` without splitting all of it: every checked resource has segments read (160 ns instead of 540). */
export function arnSegment(arn: string, index: number): string | undefined {
  let start = 0;
  for (let i = 0; i < index; i++) {
    const colon = arn.indexOf(':', start);
    if (colon < 0) return undefined;
    start = colon + 1;
  }
  const end = arn.indexOf(':', start);
  return end < 0 ? arn.slice(start) : arn.slice(start, end);
}

/**
 * The service's own denial: `AccessDeniedException` (400) for JSON protocols, `AccessDenied` (403)
 * for query and XML ones and for JSON services that kept the query protocol's errors (SQS).
 */
export function accessDenied(service: Pick<BoundService, 'model'>, message: string): AwsError {
  const json = (service.model.protocol === 'json' || service.model.protocol === 'rest-json') && !service.model.metadata.awsQueryCompatible;
  return json ? new AwsError('AccessDeniedException', message, { status: 400 }) : new AwsError('AccessDenied', message, { status: 403 });
}
