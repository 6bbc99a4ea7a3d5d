/**
 * `#{…}` variables in action configurations: `#{codepipeline.PipelineExecutionId}`, pipeline-level
 * variables `#{variables.Name}` (V2), and `#{Namespace.Variable}` from earlier actions' output
 * variables. A reference that names nothing fails the action, as AWS fails it at run time.
 */
import { ActionFailure } from '../actions/types.js';

const REFERENCE = /#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_.]+)\}/g;

/** Every `#{namespace.name}` a text refers to. */
export function references(text: string): { namespace: string; name: string }[] {
  return [...text.matchAll(REFERENCE)].map((m) => ({ namespace: m[1]!, name: m[2]! }));
}

/** Resolves every reference of `configuration` from `scopes` (namespace → variable → value). */
export function resolveConfiguration(configuration: Record<string, string>, scopes: Map<string, Record<string, string>>): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [key, text] of Object.entries(configuration)) {
    resolved[key] = text.replace(REFERENCE, (whole, namespace: string, name: string) => {
      const value = scopes.get(namespace)?.[name];
      if (value === undefined)
        throw new ActionFailure(`Unable to resolve the variable ${whole} in the action configuration ${key}: no such variable was produced before this action`, 'ConfigurationError');
      return value;
    });
  }
  return resolved;
}
