/**
 * Which resources each resource waits for: `Ref`, `Fn::GetAtt`, `Fn::Sub` variables and
 * `DependsOn`, following only the `Fn::If` branches the conditions take, as AWS orders creation.
 */
import { formatError, templateError, validationError } from './errors.js';
import { getAttArguments, intrinsicName, PSEUDO_PARAMETERS } from './intrinsics.js';
import { subVariables } from './sub.js';
import type { ResourceDeclaration, Template } from './types.js';

/** The references a value makes: `refs` by Ref/Sub, `attributes` by GetAtt (logical ids). `branch` picks Fn::If branches; undefined follows both. */
export function collectReferences(value: unknown, branch: ((condition: string) => boolean | undefined) | undefined, found: { refs: Set<string>; attributes: Set<string> }): void {
  if (Array.isArray(value)) {
    for (const item of value) collectReferences(item, branch, found);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const name = intrinsicName(value);
  const argument = name ? (value as Record<string, unknown>)[name] : undefined;
  if (name === 'Ref') {
    if (typeof argument === 'string') found.refs.add(argument);
    return;
  }
  if (name === 'Fn::GetAtt') {
    found.attributes.add(getAttArguments(argument)[0]);
    if (Array.isArray(argument)) collectReferences(argument[1], branch, found);
    return;
  }
  if (name === 'Fn::Sub') {
    const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
    const local = typeof variables === 'object' && variables !== null ? variables : {};
    for (const variable of typeof text === 'string' ? subVariables(text) : []) {
      if (variable in local) continue;
      const dot = variable.indexOf('.');
      if (dot < 0) found.refs.add(variable);
      else found.attributes.add(variable.slice(0, dot));
    }
    collectReferences(local, branch, found);
    return;
  }
  if (name === 'Fn::If' && Array.isArray(argument) && typeof argument[0] === 'string' && branch) {
    const holds = branch(argument[0]);
    if (holds !== undefined) {
      collectReferences(holds ? argument[1] : argument[2], branch, found);
      return;
    }
  }
  for (const member of Object.values(value)) collectReferences(member, branch, found);
}

/** The logical ids a resource's DependsOn names. */
export function dependsOnList(resource: ResourceDeclaration): string[] {
  const dependsOn = resource.DependsOn;
  if (dependsOn === undefined) return [];
  return Array.isArray(dependsOn) ? dependsOn.map(String) : [String(dependsOn)];
}

/** The parts of a resource whose references order its creation. */
function referencingParts(resource: ResourceDeclaration): unknown[] {
  return [resource.Properties, resource.Metadata, resource.CreationPolicy, resource.UpdatePolicy];
}

/** For every resource whose Condition holds, the resources it depends on. Throws AWS's errors for dangling references and cycles. */
export function resourceDependencies(template: Template, conditions: Record<string, boolean>): Map<string, Set<string>> {
  const active = new Set(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Condition === undefined || conditions[resource.Condition] === true)
      .map(([logicalId]) => logicalId),
  );
  const parameters = template.Parameters ?? {};
  const graph = new Map<string, Set<string>>();
  const unresolved: string[] = [];
  for (const logicalId of active) {
    const resource = template.Resources[logicalId] as ResourceDeclaration;
    const found = { refs: new Set<string>(), attributes: new Set<string>() };
    for (const part of referencingParts(resource)) collectReferences(part, (condition) => conditions[condition], found);
    const depends = new Set<string>();
    for (const target of found.refs) {
      if (PSEUDO_PARAMETERS.has(target) || target in parameters) continue;
      if (active.has(target)) depends.add(target);
      else if (!unresolved.includes(target)) unresolved.push(target);
    }
    for (const target of found.attributes) {
      if (active.has(target)) depends.add(target);
      else if (target in template.Resources) {
        if (!unresolved.includes(target)) unresolved.push(target);
      } else throw templateError(`instance of Fn::GetAtt references undefined resource ${target}`);
    }
    for (const target of dependsOnList(resource)) {
      if (active.has(target)) depends.add(target);
      else if (!unresolved.includes(target)) unresolved.push(target);
    }
    graph.set(logicalId, depends);
  }
  if (unresolved.length > 0) throw formatError(`Unresolved resource dependencies [${unresolved.join(', ')}] in the Resources block of the template`);
  const cyclic = cycleMembers(graph);
  if (cyclic.length > 0) throw circularDependency(cyclic);
  return graph;
}

/** AWS words this one without the "Template format error" prefix. */
export function circularDependency(members: string[]): Error {
  return validationError(`Circular dependency between resources: [${members.join(', ')}]`);
}

/** Every node on a cycle (Tarjan's strongly connected components of more than one node, or a self loop), in graph order. */
export function cycleMembers(graph: Map<string, Set<string>>): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cyclic = new Set<string>();
  let counter = 0;
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || graph.get(node)?.has(node)) for (const member of component) cyclic.add(member);
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return [...graph.keys()].filter((node) => cyclic.has(node));
}
