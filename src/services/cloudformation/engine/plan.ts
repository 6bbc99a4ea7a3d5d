/**
 * What an update would change, in DescribeChangeSet's shape: per resource an Action (Add, Modify,
 * Remove, or Dynamic when a value is known only once something it depends on has changed), the
 * Replacement (True / False / Conditional) from the specification's update behaviour and the
 * provider, the Scope (Properties, Metadata, DeletionPolicy …), and Details naming each changed
 * property with its cause: a direct edit of the template, a parameter, or another resource whose
 * physical id or attribute changes (CausingEntity). The engine applies updates by the same rules
 * (changedProperties, requiresReplacement); change sets show this plan before anything runs.
 */
import type * as C from '@aws-sdk/client-cloudformation';
import { parseJson } from '../common.js';
import { attributeNames, updateBehaviour } from '../spec/index.js';
import type { ResourceRow } from '../store.js';
import { containsDynamic, evaluate } from '../template/index.js';
import type { EvaluationContext, ResourceDeclaration } from '../template/types.js';
import { availabilityZones, missingAttribute, type StackModel } from './model.js';
import { changedProperties, requiresReplacement } from './resources.js';

export interface PlanInput {
  /** The stack's resources now (none for a stack not created yet). */
  rows: ResourceRow[];
  /** The stack's current template and parameters (undefined for a new stack). */
  current?: StackModel;
  /** The template and parameters the update would run. */
  next: StackModel;
  /** `Fn::ImportValue` lookups (throws AWS's "No export named X found."). */
  importValue(name: string): string;
}

/** The other resources and parameters a template value refers to, as `Ref` names and `Logical.Attribute` pairs. */
function references(value: unknown, found: { refs: Set<string>; attributes: Set<string> } = { refs: new Set(), attributes: new Set() }) {
  if (Array.isArray(value)) for (const item of value) references(item, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') found.refs.add(inner);
      else if (key === 'Fn::GetAtt') found.attributes.add(Array.isArray(inner) ? inner.join('.') : String(inner));
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        for (const match of String(text).matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = match[1]!.trim();
          if (name.includes('.')) found.attributes.add(name);
          else found.refs.add(name);
        }
        if (Array.isArray(inner)) references(inner[1], found);
      } else references(inner, found);
    }
  }
  return found;
}

const same = (left: unknown, right: unknown) => changedProperties({ v: left }, { v: right }).length === 0;

interface Cause {
  source: C.ChangeSource;
  entity?: string;
}

/** Why a property's value changes: the template's text, a parameter, or a resource that changes under it. */
function causes(before: ResourceDeclaration | undefined, after: ResourceDeclaration, property: string, input: PlanInput, changing: Set<string>, modified: Set<string>): Cause[] {
  const declared = after.Properties?.[property];
  const out: Cause[] = [];
  if (!same(before?.Properties?.[property], declared)) out.push({ source: 'DirectModification' });
  const { refs, attributes } = references(declared);
  for (const name of refs) {
    const was = input.current?.parameters[name];
    const now = input.next.parameters[name];
    if (now && was?.value !== now.value) out.push({ source: 'ParameterReference', entity: name });
    if (changing.has(name)) out.push({ source: 'ResourceReference', entity: name });
  }
  for (const pair of attributes) {
    const id = pair.split('.')[0]!;
    if (changing.has(id) || modified.has(id)) out.push({ source: 'ResourceAttribute', entity: pair });
  }
  return out.length ? out : [{ source: 'DirectModification' }];
}

const RECREATION: Record<string, C.RequiresRecreation> = { Mutable: 'Never', Immutable: 'Always', Conditional: 'Conditionally' };

/** The resource-level attributes besides Properties a change can touch, as Scope names them. */
const SCOPED: (keyof ResourceDeclaration & C.ResourceAttribute)[] = ['Metadata', 'CreationPolicy', 'UpdatePolicy', 'DeletionPolicy', 'UpdateReplacePolicy'];

function modification(
  row: ResourceRow,
  before: ResourceDeclaration | undefined,
  after: ResourceDeclaration,
  input: PlanInput,
  ctx: EvaluationContext,
  changing: Set<string>,
  modified: Set<string>,
): C.ResourceChange | undefined {
  const recorded = parseJson<Record<string, unknown>>(row.props);
  const next = (evaluate(after.Properties ?? {}, ctx) ?? {}) as Record<string, unknown>;
  const details: C.ResourceChangeDetail[] = [];
  const changed: string[] = [];
  let dynamic = false;
  for (const property of changedProperties(recorded, next)) {
    const isDynamic = containsDynamic(next[property]);
    dynamic ||= isDynamic;
    changed.push(property);
    const behaviour = updateBehaviour(row.type, property);
    for (const cause of causes(before, after, property, input, changing, modified)) {
      details.push({
        Target: { Attribute: 'Properties', Name: property, RequiresRecreation: RECREATION[behaviour] },
        Evaluation: isDynamic ? 'Dynamic' : 'Static',
        ChangeSource: cause.source,
        CausingEntity: cause.entity,
      });
    }
  }
  const scope: C.ResourceAttribute[] = changed.length ? ['Properties'] : [];
  for (const attribute of SCOPED) {
    if (same(before?.[attribute], after[attribute])) continue;
    scope.push(attribute);
    details.push({ Target: { Attribute: attribute, RequiresRecreation: 'Never' }, Evaluation: 'Static', ChangeSource: 'DirectModification' });
  }
  if (scope.length === 0) return undefined;
  const staticChanged = changed.filter((property) => !containsDynamic(next[property]));
  const current = { physicalId: row.physical_id ?? '', props: recorded, attributes: parseJson<Record<string, unknown>>(row.attributes) };
  const replaces = changed.length > 0 && requiresReplacement(row.type, staticChanged.length ? staticChanged : changed, current, next);
  const mayReplace = changed.some((property) => updateBehaviour(row.type, property) !== 'Mutable');
  const replacement: C.Replacement = replaces && !dynamic ? 'True' : replaces || (dynamic && mayReplace) ? 'Conditional' : 'False';
  return {
    Action: 'Modify',
    LogicalResourceId: row.logical_id,
    PhysicalResourceId: row.physical_id ?? undefined,
    ResourceType: row.type,
    Replacement: replacement,
    Scope: scope,
    Details: details,
    PolicyAction: replacement === 'True' ? (after.UpdateReplacePolicy === 'Retain' ? 'ReplaceAndRetain' : 'ReplaceAndDelete') : undefined,
  };
}

/** Whether GetAtt may read `attribute` of a resource of `type` before it exists: a documented attribute, any of a custom resource (its response's Data) or a nested stack's Outputs.X. */
function isKnownAttribute(type: string, attribute: string): boolean {
  if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') return true;
  if (type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) return true;
  return attributeNames(type).includes(attribute);
}

/** The changes that running `input.next` on the stack would make, in template order, removals last. */
export function planChanges(input: PlanInput): C.Change[] {
  const rows = new Map(input.rows.filter((row) => row.status !== 'DELETE_COMPLETE' && row.physical_id !== null).map((row) => [row.logical_id, row]));
  /** Resources whose physical id or attributes are not known before the update runs (added or replaced). */
  const changing = new Set<string>();
  /** Resources updated in place: same physical id, but their attributes may change (AWS shows what reads them as Dynamic). */
  const modified = new Set<string>();
  const ctx: EvaluationContext = {
    pseudo: input.next.pseudo,
    parameters: input.next.parameters,
    conditions: input.next.conditions,
    resourceRef: (id) => (changing.has(id) ? undefined : (rows.get(id)?.physical_id ?? undefined)),
    resourceAttribute: (id, attribute) => {
      const type = input.next.template.Resources[id]?.Type ?? 'unknown';
      const row = rows.get(id);
      if (changing.has(id) || modified.has(id) || !row) {
        // Known only once the update ran (Dynamic), but only for an attribute the type has: as the engine, AWS refuses others.
        if (isKnownAttribute(type, attribute)) return undefined;
        throw missingAttribute(type, id, attribute, {});
      }
      const recorded = parseJson<Record<string, unknown>>(row.attributes);
      const value = recorded[attribute];
      if (value !== undefined && value !== null) return value;
      throw missingAttribute(type, id, attribute, recorded);
    },
    importValue: input.importValue,
    availabilityZones,
  };
  const changes = new Map<string, C.ResourceChange>();
  // In dependency order, so a replacement is known before what refers to it is planned.
  const done = new Set<string>();
  const visit = (id: string) => {
    if (done.has(id)) return;
    done.add(id);
    for (const dependency of input.next.dependencies.get(id) ?? []) visit(dependency);
    const after = input.next.template.Resources[id]!;
    const row = rows.get(id);
    if (!row || row.type !== after.Type) {
      changing.add(id);
      changes.set(id, { Action: 'Add', LogicalResourceId: id, ResourceType: after.Type, Scope: [], Details: [] });
      return;
    }
    const change = modification(row, input.current?.template.Resources[id], after, input, ctx, changing, modified);
    if (!change) return;
    if (change.Replacement !== 'False') changing.add(id);
    else if (change.Scope?.includes('Properties')) modified.add(id);
    changes.set(id, change);
  };
  for (const id of input.next.active) visit(id);
  const ordered: C.Change[] = input.next.active.filter((id) => changes.has(id)).map((id) => ({ Type: 'Resource', ResourceChange: changes.get(id) }));
  const active = new Set(input.next.active);
  for (const row of rows.values()) {
    if (active.has(row.logical_id)) continue;
    const policy = input.current?.template.Resources[row.logical_id]?.DeletionPolicy;
    ordered.push({
      Type: 'Resource',
      ResourceChange: {
        Action: 'Remove',
        LogicalResourceId: row.logical_id,
        PhysicalResourceId: row.physical_id ?? undefined,
        ResourceType: row.type,
        Scope: [],
        Details: [],
        PolicyAction: policy === 'Retain' || policy === 'RetainExceptOnCreate' ? 'Retain' : policy === 'Snapshot' ? 'Snapshot' : 'Delete',
      },
    });
  }
  return ordered;
}
