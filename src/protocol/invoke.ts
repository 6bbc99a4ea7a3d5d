/**
 * The steps every call of an operation goes through once its input is decoded, whether it came
 * over HTTP or from another service in-process: validate → invoke → output. The HTTP pipeline
 * adds routing, authentication and the wire codecs around it; in-process calls (`rt.call`) use it
 * directly, so both answer with the same output or throw the same AwsError.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../core/accounts.js';
import { AwsError, notImplemented } from '../core/errors.js';
import { isThenable } from '../core/thenable.js';
import type { ProtocolDialect } from './dialect.js';
import type { Operation, ServiceModel } from './model.js';
import type { Handlers, HttpRequest, RequestContext } from './types.js';
import { validateInput } from './validate.js';

/** A service as the pipeline and the in-process path need it. */
export interface BoundService {
  name: string;
  model: ServiceModel;
  handlers: Handlers;
  validationError: string | false;
  /** What the service does differently from AWS's usual protocol rules (S3); none for most. */
  dialect?: ProtocolDialect;
  /** Why an operation without a handler is not implemented, for its 501's message. */
  unimplemented?: Readonly<Record<string, string>>;
}

/** Who makes an in-process call, and where. */
export interface InProcessCaller {
  principal: Principal;
  /** The account whose resources the call acts on; the principal's own by default. */
  account?: string;
  region: string;
  /** Services that made this call on the principal's behalf, outermost first (aws:CalledVia): `['ssm.amazonaws.com']` when SSM decrypts through KMS for its caller. */
  calledVia?: string[];
  /** The resource on whose behalf a service principal calls (aws:SourceArn): the SNS topic delivering to a queue, the rule invoking a function. */
  sourceArn?: string;
  /** The account that owns `sourceArn` (aws:SourceAccount). */
  sourceAccount?: string;
}

/**
 * The authorization step: decides whether the request's principal may run the operation with this
 * input, throwing the service's AccessDenied error when not. Runs after validation and before the
 * handler, for HTTP requests and in-process calls alike.
 */
export type Authorize = (service: BoundService, op: Operation, input: Record<string, unknown>, ctx: RequestContext) => void | Promise<void>;

export class OperationInvoker {
  private readonly byName = new Map<string, BoundService>();

  constructor(
    services: BoundService[],
    private readonly endpoint: () => string,
    private readonly authorize?: Authorize,
  ) {
    for (const service of services) this.byName.set(service.name, service);
  }

  /** Every bound service, for the HTTP pipeline's routing. */
  services(): BoundService[] {
    return [...this.byName.values()];
  }

  /**
   * Validates an already decoded input, authorizes it and runs the operation's handler (501
   * NotImplemented when it has none). Answers what the handler answers, a promise only when the
   * handler's answer or the authorization's verdict is one, and throws its errors as they come:
   * the HTTP pipeline then spends no microtask hops on synchronous operations.
   */
  run(service: BoundService, op: Operation, input: Record<string, unknown>, ctx: RequestContext): unknown {
    if (service.validationError) validateInput(service.model, op.input, input, service.validationError);
    const handler = service.handlers[op.name];
    if (!handler) throw notImplemented(service.model.metadata.serviceId, op.name, service.unimplemented?.[op.name]);
    const verdict = this.authorize?.(service, op, input, ctx);
    return isThenable(verdict) ? Promise.resolve(verdict).then(() => handler(input, ctx)) : handler(input, ctx);
  }

  /**
   * Runs `operation` of `service` for `caller` without HTTP or SigV4: the input is validated
   * against the model exactly as a decoded HTTP request is, and errors are the same AwsErrors.
   */
  async call(serviceName: string, operation: string, input: unknown, caller: InProcessCaller): Promise<unknown> {
    const service = this.byName.get(serviceName);
    if (!service) throw new AwsError('NotImplemented', `Drydock does not emulate the '${serviceName}' service`, { status: 501 });
    const op = service.model.operations.get(operation);
    if (!op) throw new AwsError('UnknownOperationException', `${service.model.metadata.serviceId} has no operation ${operation}`, { status: 400 });
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new AwsError(service.validationError || 'ValidationException', `The input of ${operation} must be an object`, { status: 400 });
    }
    // Handlers own their input (some normalise it in place): the caller's object stays untouched.
    const ctx = inProcessContext(serviceName, operation, caller, this.endpoint());
    return this.run(service, op, { ...(input as Record<string, unknown>) }, ctx);
  }
}

function inProcessContext(service: string, operation: string, caller: InProcessCaller, endpoint: string): RequestContext {
  return {
    requestId: randomUUID(),
    service,
    operation,
    account: caller.account ?? caller.principal.account,
    region: caller.region,
    principal: caller.principal,
    calledVia: caller.calledVia,
    sourceArn: caller.sourceArn,
    sourceAccount: caller.sourceAccount,
    endpoint,
    http: noHttpRequest(),
  };
}

/** In-process calls have no HTTP request behind them; the few handlers that read one see an empty POST. */
function noHttpRequest(): HttpRequest {
  return { method: 'POST', path: '/', rawQuery: '', query: [], headers: {}, body: Buffer.alloc(0) };
}
