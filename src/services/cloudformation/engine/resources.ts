/**
 * One resource's steps within a stack operation: create, update in place or by replacement, and
 * delete, each recorded as AWS records it (the resource row, a stack event per status change with
 * AWS's reasons) and carried out by the type's provider as the stack's caller.
 */
import type { InProcessCaller } from '../../contracts.js';
import { type CloudFormationContext, parseJson, validationError } from '../common.js';
import { providerOf } from '../providers/index.js';
import type { CurrentResource, Properties, ResourceProvider } from '../providers/types.js';
import { updateBehaviour, validateProperties } from '../spec/index.js';
import type { ResourceRow, StackRow } from '../store.js';
import { containsDynamic, evaluate, resolveDynamicReferences } from '../template/index.js';
import type { EvaluationContext, ExternalValues } from '../template/types.js';
import { providerContext } from './caller.js';
import { recordEvent } from './events.js';
import { handlerStep } from './handler-errors.js';
import type { ResourceState, StackModel } from './model.js';
import { policyDenial } from './policy.js';

/** One stack operation in progress: what every resource step reads. */
export interface OperationRun {
  c: CloudFormationContext;
  stack: StackRow;
  model: StackModel;
  states: Map<string, ResourceState>;
  ctx: EvaluationContext;
  imported: Set<string>;
  caller: InProcessCaller;
  external: ExternalValues;
  signal: AbortSignal;
  /** The policy updates are checked against (StackPolicyDuringUpdateBody or the stack policy); null for none. */
  policy: string | null;
}

/** A physical resource as a row records it. */
export interface ResourceRecord {
  type: string;
  physicalId: string;
  props: Properties;
  attributes: Record<string, unknown>;
}

export type Prior = { added: true } | { record: ResourceRecord; replaced: boolean } | { discard: ResourceRecord };

export function recordOf(row: ResourceRow): ResourceRecord | undefined {
  if (row.physical_id === null) return undefined;
  return { type: row.type, physicalId: row.physical_id, props: parseJson(row.props), attributes: parseJson(row.attributes) };
}

export function priorOf(row: ResourceRow): Prior | undefined {
  return row.prior === null ? undefined : parseJson<Prior>(row.prior);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A failed step's reason: AWS's "cancelled" words when the operation was stopped under it (CancelUpdateStack). */
function failure(run: Pick<OperationRun, 'signal'>, err: unknown, verb: 'creation' | 'update'): string {
  return run.signal.aborted ? `Resource ${verb} cancelled` : message(err);
}

function provider(type: string): ResourceProvider {
  const found = providerOf(type);
  if (!found) throw validationError(`Unsupported resource type: ${type}`);
  return found;
}

/** Writes a resource's row and its status event in one transaction. */
export function saveResource(run: Pick<OperationRun, 'c' | 'stack'>, row: ResourceRow, event?: { reason?: string; props?: unknown }): void {
  run.c.store.tx(() => {
    run.c.store.putResource(row);
    if (event) recordEvent(run.c, run.stack, { logicalId: row.logical_id, physicalId: row.physical_id, type: row.type, status: row.status, reason: event.reason, props: event.props });
  });
}

function rowFor(run: OperationRun, logicalId: string, existing: ResourceRow | undefined): ResourceRow {
  const type = run.model.template.Resources[logicalId]!.Type;
  const position = run.model.active.indexOf(logicalId);
  return existing
    ? { ...existing, position }
    : {
        stack_id: run.stack.stack_id,
        logical_id: logicalId,
        type,
        physical_id: null,
        status: '',
        status_reason: null,
        props: '{}',
        attributes: '{}',
        updated_at: 0,
        prior: null,
        removed: 0,
        position,
      };
}

/** The resource's properties evaluated now (every dependency done), before and after dynamic references. */
export async function properties(run: OperationRun, logicalId: string): Promise<{ shown: Properties; resolved: Properties }> {
  const declared = run.model.template.Resources[logicalId]!.Properties ?? {};
  const shown = (evaluate(declared, run.ctx) ?? {}) as Properties;
  if (containsDynamic(shown)) throw validationError(`Template error: a value of resource ${logicalId} could not be resolved`);
  const resolved = (await resolveDynamicReferences(shown, run.external)) as Properties;
  return { shown, resolved };
}

function stamp(run: OperationRun, row: ResourceRow, changes: Partial<ResourceRow>): ResourceRow {
  return { ...row, ...changes, updated_at: run.c.rt.clock.now() };
}

/** Creates a resource of the template (a new stack's, or one an update adds). */
export async function createResource(run: OperationRun, logicalId: string, prior: Prior | undefined): Promise<boolean> {
  let row = rowFor(run, logicalId, undefined);
  const priorText = prior ? JSON.stringify(prior) : null;
  row = stamp(run, row, { status: 'CREATE_IN_PROGRESS', prior: priorText });
  let shown: Properties | undefined;
  let initiated = false;
  try {
    const found = provider(row.type);
    const props = await properties(run, logicalId);
    shown = props.shown;
    saveResource(run, row, { props: shown });
    validateProperties(row.type, props.resolved, logicalId);
    const initiate = (physicalId: string, attributes: Record<string, unknown>) => {
      row = stamp(run, row, { physical_id: physicalId, props: JSON.stringify(props.resolved), attributes: JSON.stringify(attributes) });
      if (!initiated) saveResource(run, row, { reason: 'Resource creation Initiated', props: shown });
      initiated = true;
    };
    // An intended id is on the row (no event) until the create answers; a failed create forgets it.
    const intend = (physicalId: string) => {
      row = stamp(run, row, { physical_id: physicalId, props: JSON.stringify(props.resolved) });
      saveResource(run, row);
    };
    const context = providerContext(run.c, run.stack, run.caller, logicalId, row.type, run.signal, { recordPhysicalId: (physicalId) => initiate(physicalId, {}), intendPhysicalId: intend });
    const made = await handlerStep(row.type, 'create', props.resolved, () => found.create(context, props.resolved));
    const attributes = made.attributes ?? {};
    initiate(made.physicalId, attributes);
    run.states.set(logicalId, { physicalId: made.physicalId, attributes });
    row = stamp(run, row, { status: 'CREATE_COMPLETE' });
    saveResource(run, row, { props: shown });
    return true;
  } catch (err) {
    if (!shown) saveResource(run, row, {});
    const reason = failure(run, err, 'creation');
    // A recorded id (a nested stack's) stays for the rollback to delete; a merely intended one was never made.
    if (!initiated) row = stamp(run, row, { physical_id: null });
    row = stamp(run, row, { status: 'CREATE_FAILED', status_reason: reason });
    saveResource(run, row, { reason, props: shown });
    return false;
  }
}

function sameJson(left: unknown, right: unknown): boolean {
  return JSON.stringify(sorted(left)) === JSON.stringify(sorted(right));
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
    );
  return value;
}

/** The top-level properties whose values differ. */
export function changedProperties(before: Properties, after: Properties): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => !sameJson(before[key], after[key]));
}

/** Whether changing these properties replaces the resource: an Immutable one, a Conditional one the provider says replaces, or a type that cannot update. */
export function requiresReplacement(type: string, changed: string[], current: CurrentResource, props: Properties): boolean {
  const found = providerOf(type);
  if (!found?.update) return true;
  const behaviours = changed.map((key) => updateBehaviour(type, key));
  if (behaviours.includes('Immutable')) return true;
  const conditional = changed.filter((_, i) => behaviours[i] === 'Conditional');
  return conditional.length > 0 && (found.requiresReplacement?.(conditional, current, props) ?? false);
}

/** Updates an existing resource to the template's properties now: nothing when unchanged, else in place or by replacement. */
export async function updateResource(run: OperationRun, logicalId: string, existing: ResourceRow): Promise<boolean> {
  let row = rowFor(run, logicalId, existing);
  const current = recordOf(existing);
  if (!current) return createResource(run, logicalId, { added: true });
  const earlier = priorOf(existing);
  // A retry after an update DisableRollback kept failed (its bookkeeping, the prior, is still on the
  // row): a failed resource's update is sent again ("Retries provisioning operation on failed
  // resources", AWS's guide, stack-failure-options).
  const retried = existing.status === 'UPDATE_FAILED' && earlier !== undefined;
  // What the rollback needs: an earlier failed update's prior (the last stable record, or "added") stays through its retries.
  const priorFor = (replaced: boolean): string => {
    if (earlier && 'added' in earlier) return existing.prior!;
    if (earlier && 'record' in earlier) return JSON.stringify({ record: earlier.record, replaced: earlier.replaced || replaced } satisfies Prior);
    return JSON.stringify({ record: current, replaced } satisfies Prior);
  };
  const declaredType = run.model.template.Resources[logicalId]!.Type;
  let shown: Properties | undefined;
  // A replacement's intended physical id, on the row until its create answers (see createResource).
  let intended = false;
  try {
    if (declaredType !== existing.type) throw validationError(`Update of resource type is not permitted. The new template modifies resource type of the following resources: [${logicalId}]`);
    const props = await properties(run, logicalId);
    shown = props.shown;
    const changed = changedProperties(current.props, props.resolved);
    if (retried && earlier && 'record' in earlier) changed.push(...changedProperties(earlier.record.props, props.resolved).filter((key) => !changed.includes(key)));
    if (changed.length === 0 && !retried && !providerOf(existing.type)?.updatesUnchanged) return true;
    const replace = requiresReplacement(existing.type, changed, current, props.resolved);
    const denial = policyDenial(run.policy, replace ? 'Update:Replace' : 'Update:Modify', logicalId, existing.type);
    if (denial) throw validationError(denial);
    validateProperties(existing.type, props.resolved, logicalId);
    const found = provider(existing.type);
    const intendPhysicalId = (physicalId: string) => {
      row = stamp(run, row, { physical_id: physicalId, props: JSON.stringify(props.resolved) });
      saveResource(run, row);
      intended = true;
    };
    const context = providerContext(run.c, run.stack, run.caller, logicalId, existing.type, run.signal, replace ? { intendPhysicalId } : {});
    row = stamp(run, row, { status: 'UPDATE_IN_PROGRESS', status_reason: null, prior: priorFor(replace) });
    if (replace) {
      saveResource(run, row, { reason: 'Requested update requires the creation of a new physical resource; hence creating one.', props: shown });
      const made = await handlerStep(existing.type, 'create', props.resolved, () => found.create(context, props.resolved));
      intended = false;
      row = stamp(run, row, { physical_id: made.physicalId, props: JSON.stringify(props.resolved), attributes: JSON.stringify(made.attributes ?? {}) });
      saveResource(run, row, { reason: 'Resource creation Initiated', props: shown });
      run.states.set(logicalId, { physicalId: made.physicalId, attributes: made.attributes ?? {} });
    } else {
      // The row holds the properties the update is sent with before it is sent: once sent, the
      // resource may hold them even if the update fails, is cancelled or Drydock is killed, so the
      // rollback (revertResource) sees the change and updates it back to the old ones, as AWS does
      // (a custom resource gets an Update whose OldResourceProperties are the failed update's).
      row = stamp(run, row, { props: JSON.stringify(props.resolved) });
      saveResource(run, row, { props: shown });
      const made = await handlerStep(existing.type, 'update', props.resolved, () =>
        found.update!(context, { physicalId: current.physicalId, props: current.props, attributes: current.attributes }, props.resolved),
      );
      // An update answered with another physical id made a new resource (a custom resource's contract): the old one goes in the cleanup.
      const replaced = made.physicalId !== current.physicalId;
      row = stamp(run, row, { physical_id: made.physicalId, props: JSON.stringify(props.resolved), attributes: JSON.stringify(made.attributes ?? current.attributes) });
      if (replaced) row = stamp(run, row, { prior: priorFor(true) });
      run.states.set(logicalId, { physicalId: made.physicalId, attributes: made.attributes ?? current.attributes });
    }
    row = stamp(run, row, { status: 'UPDATE_COMPLETE' });
    saveResource(run, row, { props: shown });
    return true;
  } catch (err) {
    if (row.prior === existing.prior) row = stamp(run, row, { prior: priorFor(false) });
    if (intended) row = stamp(run, row, { physical_id: current.physicalId, props: JSON.stringify(current.props) });
    const reason = failure(run, err, 'update');
    row = stamp(run, row, { status: 'UPDATE_FAILED', status_reason: reason });
    saveResource(run, row, { reason, props: shown });
    return false;
  }
}

/** Puts a resource back to an earlier record (an update's rollback): in place through the provider. */
export async function revertResource(run: OperationRun, row: ResourceRow, record: ResourceRecord): Promise<boolean> {
  const current = recordOf(row);
  let next = stamp(run, row, { status: 'UPDATE_IN_PROGRESS', status_reason: null });
  saveResource(run, next, { props: record.props });
  try {
    let attributes = record.attributes;
    if (current && (changedProperties(current.props, record.props).length > 0 || providerOf(record.type)?.updatesUnchanged)) {
      const found = provider(record.type);
      if (!found.update) throw validationError(`Resource ${row.logical_id} cannot be rolled back in place`);
      const context = providerContext(run.c, run.stack, run.caller, row.logical_id, record.type, run.signal);
      const update = found.update;
      const reverted = await handlerStep(record.type, 'update', record.props, () =>
        update(context, { physicalId: current.physicalId, props: current.props, attributes: current.attributes }, record.props),
      );
      attributes = reverted.attributes ?? attributes;
    }
    next = stamp(run, next, { type: record.type, physical_id: record.physicalId, props: JSON.stringify(record.props), attributes: JSON.stringify(attributes), status: 'UPDATE_COMPLETE', prior: null });
    saveResource(run, next, { props: record.props });
    run.states.set(row.logical_id, { physicalId: record.physicalId, attributes });
    return true;
  } catch (err) {
    next = stamp(run, next, { status: 'UPDATE_FAILED', status_reason: message(err) });
    saveResource(run, next, { reason: message(err), props: record.props });
    return false;
  }
}

/**
 * Deletes one physical resource through its provider, recording DELETE_IN_PROGRESS and
 * DELETE_COMPLETE (or DELETE_FAILED); `retainReason` skips the deletion (DELETE_SKIPPED). `row` is
 * written with each status unless `eventsOnly` (an old physical resource a replacement left
 * behind: the row describes its successor). Answers whether the resource is gone (or retained).
 */
export async function deleteRecord(
  run: Pick<OperationRun, 'c' | 'stack' | 'caller' | 'signal'>,
  row: ResourceRow,
  record: ResourceRecord | undefined,
  options: { retainReason?: string; eventsOnly?: boolean } = {},
): Promise<boolean> {
  const note = (status: string, reason?: string) => {
    const updated: ResourceRow = { ...row, status, status_reason: reason ?? null, updated_at: run.c.rt.clock.now() };
    if (!options.eventsOnly) return saveResource(run, updated, { reason });
    run.c.store.tx(() => recordEvent(run.c, run.stack, { logicalId: row.logical_id, physicalId: record?.physicalId ?? null, type: record?.type ?? row.type, status, reason }));
  };
  if (options.retainReason !== undefined) {
    note('DELETE_SKIPPED', options.retainReason || undefined);
    return true;
  }
  note('DELETE_IN_PROGRESS');
  try {
    if (record) {
      const found = providerOf(record.type);
      if (found) {
        const context = providerContext(run.c, run.stack, run.caller, row.logical_id, record.type, run.signal);
        await handlerStep(record.type, 'delete', record.props, () => found.delete(context, { physicalId: record.physicalId, props: record.props, attributes: record.attributes }));
      }
    }
    note('DELETE_COMPLETE');
    return true;
  } catch (err) {
    note('DELETE_FAILED', message(err));
    return false;
  }
}
