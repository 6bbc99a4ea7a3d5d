/**
 * Change sets for nested stacks. A nested stack always shows in its parent's change set: with its
 * property changes, or, when its properties did not change, as a Modify with ChangeSource
 * Automatic (its template at the same URL may have changed; an update always reaches it). With
 * IncludeNestedStacks, each nested stack the change set modifies gets its own change set, made by
 * CreateChangeSet on that stack (so its own nested stacks get theirs), and each nested stack it
 * adds is made in REVIEW_IN_PROGRESS (ParentId, RootId) with a CREATE change set; they are named
 * `<parent change set>-<Logical>-<RANDOM>`, linked by ParentChangeSetId and RootChangeSetId, and
 * named by ChangeSetId on the parent's change. A nested stack without changes gets none, and
 * leaves the parent's change set unless its properties changed. Executing the root runs the
 * nested change sets as the update reaches their stacks; deleting the root deletes them.
 */
import type * as C from '@aws-sdk/client-cloudformation';
import type { InProcessCaller } from '../../contracts.js';
import { type CloudFormationContext, parseJson } from '../common.js';
import type { ResourceRow, StackRow } from '../store.js';
import { generatedPhysicalName } from './caller.js';
import { type ChangeSetData, executionStatusNow, NO_CHANGES, startExecution } from './change-sets.js';
import { NESTED_STACK_TYPE } from './nested.js';

/** Where a change set sits in a hierarchy of nested change sets (kept in its data). */
export interface ChangeSetLinks {
  parentChangeSetId?: string;
  rootChangeSetId?: string;
  /** The nested change sets made for this one, which DeleteChangeSet of the root deletes. */
  nestedChangeSetIds?: string[];
}

type LinkedData = ChangeSetData & ChangeSetLinks;

const isAutomaticOnly = (change: C.ResourceChange) => change.Details?.length === 1 && change.Details[0]!.ChangeSource === 'Automatic';

/** The nested stack's properties the change set would give it: the planned values, or the recorded ones when unchanged. */
function nestedProperties(change: C.ResourceChange, row: ResourceRow | undefined): Record<string, unknown> {
  if (change.AfterContext) return parseJson<{ Properties: Record<string, unknown> }>(change.AfterContext).Properties;
  return row ? parseJson<Record<string, unknown>>(row.props) : {};
}

function parameterList(given: unknown): C.Parameter[] {
  return Object.entries((given ?? {}) as Record<string, unknown>).map(([ParameterKey, value]) => ({
    ParameterKey,
    ParameterValue: Array.isArray(value) ? value.join(',') : String(value),
  }));
}

/** Sets the root of a nested change set and of everything nested under it, and the root of the stacks they create. */
function setRoot(c: CloudFormationContext, changeSetId: string, parentChangeSetId: string, root: { changeSetId: string; stackId: string }): void {
  const row = c.store.changeSet(changeSetId);
  if (!row) return;
  const data = parseJson<LinkedData>(row.data);
  c.store.setChangeSetData(changeSetId, JSON.stringify({ ...data, parentChangeSetId, rootChangeSetId: root.changeSetId }));
  if (data.createsStack) c.store.updateStack(row.stack_id, { root_id: root.stackId });
  for (const nested of data.nestedChangeSetIds ?? []) setRoot(c, nested, changeSetId, root);
}

/** The change set being made that nested change sets hang from, and its stack (which may not exist yet). */
export interface ParentChangeSet {
  changeSetId: string;
  name: string;
  stackId: string;
  stackName: string;
  /** The root stack of the hierarchy (the parent's own id for a root). */
  rootStackId: string;
  capabilities?: C.Capability[];
}

/** The nested change set for one nested stack change: UPDATE for a nested stack that exists, CREATE (its stack in REVIEW_IN_PROGRESS) for one the change adds. */
async function nestedChangeSet(c: CloudFormationContext, caller: InProcessCaller, parent: ParentChangeSet, change: C.ResourceChange, props: Record<string, unknown>) {
  const adds = change.Action === 'Add';
  const logicalId = change.LogicalResourceId!;
  const { Id, StackId } = await c.rt.call(
    'cloudformation',
    'CreateChangeSet',
    {
      StackName: adds ? generatedPhysicalName(parent.stackName, logicalId, { maxLength: 128 }) : change.PhysicalResourceId,
      ChangeSetName: generatedPhysicalName(parent.name, logicalId, { maxLength: 128 }),
      ChangeSetType: adds ? 'CREATE' : 'UPDATE',
      TemplateURL: props.TemplateURL as string | undefined,
      Parameters: parameterList(props.Parameters),
      Capabilities: parent.capabilities,
      IncludeNestedStacks: true,
    },
    caller,
  );
  if (adds) c.store.updateStack(StackId!, { parent_id: parent.stackId, root_id: parent.rootStackId });
  return c.store.changeSet(Id!)!;
}

/**
 * Makes the nested change sets of a change set about to be stored (IncludeNestedStacks), records
 * them in `data` and on its changes; answers the parent's failure reason when one could not be made.
 */
export async function createNestedChangeSets(c: CloudFormationContext, caller: InProcessCaller, parent: ParentChangeSet, data: ChangeSetData, rows: ResourceRow[]): Promise<string | undefined> {
  const linked = data as LinkedData;
  const byId = new Map(rows.map((row) => [row.logical_id, row]));
  const dropped = new Set<C.Change>();
  for (const entry of data.changes) {
    const change = entry.ResourceChange;
    if (change?.ResourceType !== NESTED_STACK_TYPE || (change.Action !== 'Add' && (change.Action !== 'Modify' || !change.PhysicalResourceId))) continue;
    const nested = await nestedChangeSet(c, caller, parent, change, nestedProperties(change, byId.get(change.LogicalResourceId!)));
    if (nested.status === 'FAILED' && nested.status_reason === NO_CHANGES) {
      c.store.deleteChangeSet(nested.change_set_id);
      if (isAutomaticOnly(change)) dropped.add(entry);
      continue;
    }
    linked.nestedChangeSetIds = [...(linked.nestedChangeSetIds ?? []), nested.change_set_id];
    change.ChangeSetId = nested.change_set_id;
    setRoot(c, nested.change_set_id, parent.changeSetId, { changeSetId: linked.rootChangeSetId ?? parent.changeSetId, stackId: parent.rootStackId });
    if (nested.status === 'FAILED') return `Nested change set ${nested.change_set_id} was not successfully created: Currently in FAILED.`;
  }
  data.changes = data.changes.filter((entry) => !dropped.has(entry));
  return undefined;
}

/** ParentChangeSetId and RootChangeSetId as DescribeChangeSet and ListChangeSets show them (absent on a root). */
export function changeSetLinks(data: ChangeSetData): { ParentChangeSetId?: string; RootChangeSetId?: string } {
  const linked = data as LinkedData;
  return { ParentChangeSetId: linked.parentChangeSetId, RootChangeSetId: linked.rootChangeSetId };
}

/** Deletes the nested change sets under a change set (DeleteChangeSet of the root). Call inside a transaction. */
export function deleteNestedChangeSets(c: CloudFormationContext, data: ChangeSetData): void {
  for (const id of (data as LinkedData).nestedChangeSetIds ?? []) {
    const row = c.store.changeSet(id);
    if (!row) continue;
    deleteNestedChangeSets(c, parseJson<ChangeSetData>(row.data));
    c.store.deleteChangeSet(id);
  }
}

/**
 * When the parent's operation runs a change set of the hierarchy, starts the nested change set
 * made for its resource `logicalId` (instead of UpdateStack or CreateStack); answers the nested
 * stack's id, or undefined when there is none to run. `created` is set on a stack the nested
 * change set creates (what CreateStack would have set for a nested stack).
 */
export function startNestedChangeSet(c: CloudFormationContext, parentStackId: string, logicalId: string, created: Partial<StackRow> = {}): string | undefined {
  return c.store.tx(() => {
    const parent = c.store.stack(parentStackId);
    if (!parent) return undefined;
    const executing = c.store
      .changeSetsOf(parentStackId)
      .find((row) => row.execution_status === 'EXECUTE_IN_PROGRESS' && executionStatusNow(c, row, parseJson(row.data), parent) === 'EXECUTE_IN_PROGRESS');
    const change = executing && parseJson<ChangeSetData>(executing.data).changes.find((entry) => entry.ResourceChange?.LogicalResourceId === logicalId);
    const nestedId = change?.ResourceChange?.ChangeSetId;
    const nested = nestedId === undefined ? undefined : c.store.changeSet(nestedId);
    const stack = nested && c.store.stack(nested.stack_id);
    if (nested?.status !== 'CREATE_COMPLETE' || !stack) return undefined;
    const data = parseJson<LinkedData>(nested.data);
    if (executionStatusNow(c, nested, data, stack) !== 'AVAILABLE') return undefined;
    startExecution(c, nested, data, stack, { caller: parent.caller });
    if (data.createsStack) c.store.updateStack(stack.stack_id, created);
    return stack.stack_id;
  });
}
