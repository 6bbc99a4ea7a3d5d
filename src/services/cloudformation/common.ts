/**
 * What every CloudFormation handler and the engine share: the service context, AWS's
 * ValidationError, stack lookups by name or id, and the stack status groups.
 */
import type { Principal, Scope } from '../../core/accounts.js';
import { arn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import type { Runtime } from '../contracts.js';
import type { DriftStore } from './drift-store.js';
import type { CloudFormationStore, StackRow } from './store.js';
import type { ResolvedParameter } from './template/types.js';

/** The service context every handler and the engine are given: made once per instance in index.ts. */
export interface CloudFormationContext {
  store: CloudFormationStore;
  /** Drift detections and their results. */
  drift: DriftStore;
  rt: Runtime;
  /** The cancel switches of the updates running in this process (CancelUpdateStack), by stack id. */
  cancels: Map<string, AbortController>;
}

/** The job kind that runs stack operations. */
export const STACK_JOB = 'cloudformation.stack';
/** The job kind that publishes a stack event to a notification topic. */
export const NOTIFY_JOB = 'cloudformation.notify';
export const STACK_TYPE = 'AWS::CloudFormation::Stack';
/** AWS lists deleted stacks for 90 days. */
export const DELETED_STACK_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

/** CloudFormation's catch-all client error (400). */
export function validationError(message: string): AwsError {
  return new AwsError('ValidationError', message, { status: 400 });
}

export const stackNotFound = (idOrName: string): AwsError => validationError(`Stack with id ${idOrName} does not exist`);

export function stackArn(scope: Scope, name: string): string {
  return arn('cloudformation', scope.region, scope.account, `stack/${name}/${uuid()}`);
}

const STACK_ARN = /^arn:aws[a-z-]*:cloudformation:[^:]*:\d{12}:stack\/[^/]+\/.+$/;

/**
 * The stack a StackName parameter names: a live stack by name, or any stack (deleted ones too) by
 * its id, as AWS answers. Undefined when there is none.
 */
export function findStack(c: CloudFormationContext, scope: Scope, nameOrId: string): StackRow | undefined {
  if (STACK_ARN.test(nameOrId)) {
    const stack = c.store.stack(nameOrId);
    return stack && stack.account === scope.account && stack.region === scope.region ? stack : undefined;
  }
  return c.store.liveStackByName(scope, nameOrId);
}

/** A live stack (not DELETE_COMPLETE) by name or id, or AWS's "does not exist". */
export function requireLiveStack(c: CloudFormationContext, scope: Scope, nameOrId: string): StackRow {
  const stack = findStack(c, scope, nameOrId);
  if (!stack || stack.deleted_at !== null) throw stackNotFound(nameOrId);
  return stack;
}

/** Statuses of a stack with an operation running. */
export function inProgress(status: string): boolean {
  return status.endsWith('_IN_PROGRESS');
}

/** Stack statuses from which UpdateStack may start. */
export const UPDATABLE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

/**
 * Whether the stack is in a failed status DisableRollback kept ("Preserve successfully provisioned
 * resources"), from which an update with DisableRollback retries the operation and RollbackStack
 * rolls it back (AWS's guide, stack-failure-options).
 */
export function keptFailure(stack: StackRow): boolean {
  return stack.status === 'UPDATE_FAILED' || (stack.status === 'CREATE_FAILED' && stack.disable_rollback === 1);
}

/** AWS's refusal of an update of a stack a failure left in CREATE_FAILED or UPDATE_FAILED, or undefined when the stack may be updated so. */
export function updateRefusal(stack: StackRow, disableRollback: boolean | undefined): AwsError | undefined {
  if (stack.status === 'CREATE_FAILED' && stack.on_failure === 'DO_NOTHING' && !stack.disable_rollback) {
    // AWS's words for a stack whose failed creation was kept by OnFailure (code-dot-org/code-dot-org#68524).
    return validationError('This stack cannot be updated from [CREATE_FAILED] state because it contains [on-failure: DO_NOTHING]. Please use disable-rollback option instead during stack creation.');
  }
  if (keptFailure(stack)) {
    // AWS's words (ansible-collections/amazon.aws#1655): only an update that again preserves what it provisions may continue from there.
    if (disableRollback) return undefined;
    return validationError(
      `This stack is currently in a non-terminal [${stack.status}] state. To update the stack from this state, please use the disable-rollback parameter with update-stack API. To rollback to the last known good state, use the rollback-stack API`,
    );
  }
  return UPDATABLE.has(stack.status) ? undefined : wrongState(stack, 'updated');
}

/** What UpdateStack and others answer for a stack in a status that does not allow the operation. */
export function wrongState(stack: StackRow, operation: string): AwsError {
  return validationError(`Stack:${stack.stack_id} is in ${stack.status} state and can not be ${operation}.`);
}

export function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

export function parametersOf(stack: Pick<StackRow, 'parameters'>): Record<string, ResolvedParameter> {
  return parseJson<Record<string, ResolvedParameter>>(stack.parameters);
}

export function principalOf(stack: Pick<StackRow, 'caller'>): Principal {
  return parseJson<Principal>(stack.caller);
}

export function scopeOf(stack: Pick<StackRow, 'account' | 'region'>): Scope {
  return { account: stack.account, region: stack.region };
}

export interface StackOutput {
  key: string;
  value: string;
  description?: string;
  exportName?: string;
}

export interface OperationOptions {
  /** DeleteStack's RetainResources. */
  retain?: string[];
  /** ContinueUpdateRollback's ResourcesToSkip. */
  skip?: string[];
}
