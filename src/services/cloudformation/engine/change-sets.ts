/**
 * Change sets: what running a template on a stack would change, worked out at once from the
 * stack's recorded resources by the update plan (plan.ts, the same rules the engine applies), kept
 * with everything needed to run it, and executed through the engine's own CREATE and UPDATE
 * operations. A change set's execution status follows the stack: one whose stack moved on (updated,
 * created or deleted another way) is OBSOLETE, an executed one ends EXECUTE_COMPLETE or
 * EXECUTE_FAILED as its stack operation ended (read from the stack's events).
 */
import type * as C from '@aws-sdk/client-cloudformation';
import type { Scope } from '../../../core/accounts.js';
import { arn } from '../../../core/arn.js';
import { uuid } from '../../../core/ids.js';
import { type CloudFormationContext, keptFailure, parseJson, STACK_TYPE, UPDATABLE, validationError } from '../common.js';
import type { ChangeSetRow, ResourceRow, StackRow } from '../store.js';
import { DYNAMIC, evaluate } from '../template/index.js';
import type { EvaluationContext, ResolvedParameter } from '../template/types.js';
import { recordEvent, setStackStatus } from './events.js';
import { beginImport, type ImportTarget } from './import.js';
import { availabilityZones, type StackModel } from './model.js';
import { withNestedStacks } from './nested.js';
import { updateBaseOf } from './operations.js';
import { planChanges } from './plan.js';
import { startOperation } from './runner.js';

export const NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set.";

/** What a change set holds besides its row: the stack it would make, and the changes it shows. */
export interface ChangeSetData {
  templateBody: string;
  /** JSON of the processed template. */
  processedTemplate: string;
  parameters: Record<string, ResolvedParameter>;
  capabilities: string[];
  notificationArns: string[];
  tags: C.Tag[];
  roleArn: string | null;
  includeNestedStacks: boolean;
  onStackFailure?: string;
  rollbackConfiguration?: C.RollbackConfiguration;
  /** With BeforeContext/AfterContext and Before/AfterValue, removed unless IncludePropertyValues asks for them. */
  changes: C.Change[];
  /** The stack's `updated_at` when the change set was made: a later update makes it OBSOLETE. */
  baseUpdatedAt: number | null;
  /** An IMPORT change set's resources to import. */
  resourcesToImport?: ImportTarget[];
  /** Whether executing the change set creates its stack (CREATE, or IMPORT into a stack in review). */
  createsStack?: boolean;
  /** Set by ExecuteChangeSet: the stack's newest event before the operation started. */
  executedAfterSeq?: number;
}

export function changeSetArn(scope: Scope, name: string): string {
  return arn('cloudformation', scope.region, scope.account, `changeSet/${name}/${uuid()}`);
}

const KNOWN_AFTER_APPLY = '{{changeSet:KNOWN_AFTER_APPLY}}';

/** A value as change sets print it: DYNAMIC parts as AWS's placeholder. */
function printable(value: unknown): unknown {
  if (value === DYNAMIC) return KNOWN_AFTER_APPLY;
  if (Array.isArray(value)) return value.map(printable);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, printable(inner)]));
  return value;
}

function valueText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** BeforeContext/AfterContext and each property's BeforeValue/AfterValue, as DescribeChangeSet's IncludePropertyValues shows them. */
function addPropertyValues(changes: C.Change[], rows: Map<string, ResourceRow>, next: StackModel, importValue: (name: string) => string): void {
  const changing = new Set(
    changes
      .map((change) => change.ResourceChange!)
      .filter((change) => change.Action === 'Add' || (change.Action === 'Modify' && change.Replacement !== 'False'))
      .map((change) => change.LogicalResourceId!),
  );
  const ctx: EvaluationContext = {
    pseudo: next.pseudo,
    parameters: next.parameters,
    conditions: next.conditions,
    resourceRef: (id) => (changing.has(id) ? undefined : (rows.get(id)?.physical_id ?? undefined)),
    resourceAttribute: (id, attribute) => (changing.has(id) ? undefined : parseJson<Record<string, unknown>>(rows.get(id)?.attributes ?? '{}')[attribute]),
    importValue,
    availabilityZones,
  };
  for (const { ResourceChange: change } of changes) {
    if (!change) continue;
    const row = rows.get(change.LogicalResourceId!);
    const before = change.Action === 'Add' || !row ? undefined : parseJson<Record<string, unknown>>(row.props);
    const declaration = next.template.Resources[change.LogicalResourceId!];
    const after = change.Action === 'Remove' || !declaration ? undefined : (printable(evaluate(declaration.Properties ?? {}, ctx) ?? {}) as Record<string, unknown>);
    if (before) change.BeforeContext = JSON.stringify({ Properties: before });
    if (after) change.AfterContext = JSON.stringify({ Properties: after });
    for (const detail of change.Details ?? []) {
      const target = detail.Target;
      if (target?.Attribute !== 'Properties' || !target.Name) continue;
      target.Path = `/Properties/${target.Name}`;
      target.BeforeValue = valueText(before?.[target.Name]);
      target.AfterValue = valueText(after?.[target.Name]);
      target.AttributeChangeType = target.BeforeValue === undefined ? 'Add' : target.AfterValue === undefined ? 'Remove' : 'Modify';
    }
  }
}

/** The changes running `next` on the stack would make (every resource an Add for a stack not created yet). */
export function planChangeSet(c: CloudFormationContext, scope: Scope, rows: ResourceRow[], next: StackModel, current: StackModel | undefined): C.Change[] {
  const importValue = (name: string) => {
    const found = c.store.export(scope, name);
    if (!found) throw validationError(`No export named ${name} found.`);
    return found.value;
  };
  const changes = withNestedStacks(planChanges({ rows, current, next, importValue }), rows, next.active);
  addPropertyValues(changes, new Map(rows.map((row) => [row.logical_id, row])), next, importValue);
  return changes;
}

/** The change set's changes as DescribeChangeSet answers them: property values only when asked for. */
export function visibleChanges(changes: C.Change[], includePropertyValues: boolean): C.Change[] {
  if (includePropertyValues) return changes;
  return changes.map(({ ResourceChange: change, ...rest }) => {
    if (!change) return rest;
    const { BeforeContext: _before, AfterContext: _after, ...kept } = change;
    return {
      ...rest,
      ResourceChange: {
        ...kept,
        Details: kept.Details?.map((detail) => {
          if (!detail.Target) return detail;
          const { Path: _path, BeforeValue: _beforeValue, AfterValue: _afterValue, AttributeChangeType: _type, ...target } = detail.Target;
          return { ...detail, Target: target };
        }),
      },
    };
  });
}

const SUCCEEDED = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);

/**
 * The execution status a change set has now: EXECUTE_IN_PROGRESS until its stack operation ends
 * (then EXECUTE_COMPLETE or EXECUTE_FAILED), OBSOLETE once its stack moved on without it.
 */
export function executionStatusNow(c: CloudFormationContext, row: ChangeSetRow, data: ChangeSetData, stack: StackRow): string {
  if (row.execution_status === 'EXECUTE_IN_PROGRESS' && data.executedAfterSeq !== undefined) {
    const ended = c.store.firstFinalStackEventAfter(stack.stack_id, stack.name, data.executedAfterSeq);
    if (!ended) return row.execution_status;
    const final = SUCCEEDED.has(ended.status) ? 'EXECUTE_COMPLETE' : 'EXECUTE_FAILED';
    c.store.setChangeSetExecutionStatus(row.change_set_id, final);
    return final;
  }
  if (row.execution_status !== 'AVAILABLE' && row.execution_status !== 'UNAVAILABLE') return row.execution_status;
  const movedOn =
    row.change_set_type === 'CREATE' || data.createsStack
      ? stack.status !== 'REVIEW_IN_PROGRESS'
      : stack.updated_at !== data.baseUpdatedAt || !(UPDATABLE.has(stack.status) || keptFailure(stack)) || stack.deleted_at !== null;
  return movedOn ? 'OBSOLETE' : row.execution_status;
}

/** Options of ExecuteChangeSet. */
export interface ExecuteOptions {
  caller: string;
  clientRequestToken?: string;
  disableRollback?: boolean;
  retainExceptOnCreate?: boolean;
}

/** The stack columns both kinds of execution set from the change set. */
function stackColumns(data: ChangeSetData, options: ExecuteOptions, description: string | null): Partial<StackRow> {
  return {
    template_body: data.templateBody,
    processed_template: data.processedTemplate,
    parameters: JSON.stringify(data.parameters),
    description,
    capabilities: JSON.stringify(data.capabilities),
    notification_arns: JSON.stringify(data.notificationArns),
    tags: JSON.stringify(data.tags),
    role_arn: data.roleArn,
    disable_rollback: options.disableRollback || data.onStackFailure === 'DO_NOTHING' ? 1 : 0,
    retain_except_on_create: options.retainExceptOnCreate ? 1 : 0,
    caller: options.caller,
    client_request_token: options.clientRequestToken ?? null,
    operation_options: '{}',
    cancel_requested: 0,
  };
}

/**
 * Runs the change set through the engine: a CREATE change set creates its stack (in review until
 * now), an UPDATE one updates it as UpdateStack would. The other change sets of the stack become
 * OBSOLETE. Call inside a transaction.
 */
export function startExecution(c: CloudFormationContext, row: ChangeSetRow, data: ChangeSetData, stack: StackRow, options: ExecuteOptions): void {
  const description = parseJson<{ Description?: string }>(data.processedTemplate).Description ?? null;
  const executedAfterSeq = c.store.latestEventSeq(stack.stack_id);
  if (row.change_set_type === 'IMPORT') {
    beginImport(c, stack, data.resourcesToImport ?? [], stackColumns(data, options, description));
  } else if (row.change_set_type === 'CREATE') {
    setStackStatus(c, stack.stack_id, 'CREATE_IN_PROGRESS', 'User Initiated', {
      ...stackColumns(data, options, description),
      on_failure: data.onStackFailure ?? (options.disableRollback ? 'DO_NOTHING' : 'ROLLBACK'),
    });
  } else {
    const previous = updateBaseOf(c, stack);
    setStackStatus(c, stack.stack_id, 'UPDATE_IN_PROGRESS', 'User Initiated', {
      ...stackColumns(data, options, description),
      update_policy: null,
      updated_at: c.rt.clock.now(),
      previous: JSON.stringify(previous),
    });
  }
  startOperation(c, stack.stack_id);
  c.store.obsoleteOtherChangeSets(stack.stack_id, row.change_set_id);
  c.store.setChangeSetExecutionStatus(row.change_set_id, 'EXECUTE_IN_PROGRESS');
  c.store.setChangeSetData(row.change_set_id, JSON.stringify({ ...data, executedAfterSeq }));
}

/** A new stack in REVIEW_IN_PROGRESS for a CREATE change set: no template, no resources yet. Call inside a transaction. */
export function insertReviewStack(c: CloudFormationContext, scope: Scope, stackId: string, name: string, caller: string): StackRow {
  c.store.insertStack({
    stack_id: stackId,
    account: scope.account,
    region: scope.region,
    name,
    status: 'REVIEW_IN_PROGRESS',
    status_reason: 'User Initiated',
    description: null,
    created_at: c.rt.clock.now(),
    template_body: '',
    processed_template: JSON.stringify({ Resources: {} }),
    parameters: '{}',
    capabilities: '[]',
    notification_arns: '[]',
    role_arn: null,
    tags: '[]',
    termination_protection: 0,
    disable_rollback: 0,
    on_failure: 'ROLLBACK',
    retain_except_on_create: 0,
    timeout_minutes: null,
    stack_policy: null,
    parent_id: null,
    root_id: null,
    caller,
    client_request_token: null,
    operation_options: '{}',
  });
  const stack = c.store.stack(stackId)!;
  recordEvent(c, stack, { logicalId: name, physicalId: stackId, type: STACK_TYPE, status: 'REVIEW_IN_PROGRESS', reason: 'User Initiated' });
  return stack;
}
