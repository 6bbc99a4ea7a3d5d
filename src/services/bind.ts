/** Turning a service's module-level operation functions into the handlers map the pipeline calls. */
import type { Handlers, RequestContext } from '../protocol/types.js';

/**
 * An operation written as a module-level function of the service's context. Declared through a
 * method so that its input parameter is checked bivariantly, as Handler's is: a function of
 * `(c, input: GetParameterRequest, ctx)` fits without a cast.
 */
export type ContextOperation<C> = { run(c: C, input: object, ctx: RequestContext): unknown }['run'];

/** Each operation bound to the one context the service made in create(). */
export function bindOperations<C>(c: C, operations: Record<string, ContextOperation<C>>): Handlers {
  const handlers: Handlers = {};
  for (const [name, operation] of Object.entries(operations)) handlers[name] = (input, ctx) => operation(c, input, ctx);
  return handlers;
}
