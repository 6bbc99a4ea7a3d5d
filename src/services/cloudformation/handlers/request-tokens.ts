/**
 * ClientRequestToken on the operations that start or steer a stack operation: a request retried
 * with the token of one the stack already accepted (same operation) is answered as the first was
 * and runs nothing again; a token the stack already took for another operation is refused with
 * TokenAlreadyExistsException. Tokens are remembered per stack, in the transaction that starts the
 * operation, so a retry after a restart is recognised too. Every event of the operation carries the
 * token (engine/events.ts).
 */
import type { Scope } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import type { CloudFormationContext } from '../common.js';

export type TokenOperation = 'CreateStack' | 'UpdateStack' | 'DeleteStack' | 'ContinueUpdateRollback' | 'RollbackStack' | 'CancelUpdateStack' | 'ExecuteChangeSet';

const tokenTaken = (token: string) =>
  // AWS's words as an SDK reported them (banzaicloud/pipeline#3016; no closing full stop there).
  new AwsError('TokenAlreadyExistsException', `The client request token ${token} has already been used for this stack. Retry the request with a different client request token`);

/**
 * Whether the request repeats one the stack already accepted with this token (the caller then
 * answers as the first time and starts nothing); throws when the token went to another operation.
 */
export function isRetried(c: CloudFormationContext, stackId: string, token: string | undefined, operation: TokenOperation): boolean {
  if (token === undefined) return false;
  const used = c.store.requestTokenOperation(stackId, token);
  if (used === undefined) return false;
  if (used !== operation) throw tokenTaken(token);
  return true;
}

/**
 * Refuses a CreateStack whose token a deleted stack of the same name took: AWS keeps a stack name's
 * tokens past its deletion (banzaicloud/pipeline#3016: a stack made again under a deleted one's name
 * with its CreateStack token was refused so); Drydock forgets them when it purges the deleted stack.
 */
export function refuseTokenOfDeletedStack(c: CloudFormationContext, scope: Scope, name: string, token: string | undefined): void {
  if (token !== undefined && c.store.deletedStackTookToken(scope, name, token)) throw tokenTaken(token);
}

/** Remembers the token of an operation the stack accepts; call inside the transaction that starts it. */
export function rememberToken(c: CloudFormationContext, stackId: string, token: string | undefined, operation: TokenOperation): void {
  if (token !== undefined) c.store.rememberRequestToken(stackId, token, operation);
}
