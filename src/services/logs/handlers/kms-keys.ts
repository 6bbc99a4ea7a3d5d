/** CloudWatch Logs encryption of a log group with a KMS key: AssociateKmsKey, DisassociateKmsKey (the sealing is encryption.ts). */
import type { AssociateKmsKeyRequest, DisassociateKmsKeyRequest } from '@aws-sdk/client-cloudwatch-logs';
import type { Scope } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { groupArn, groupByIdentifier, invalid, type LogsContext, requireGroup, scopeOf } from '../common.js';
import { newDataKey } from '../encryption.js';
import type { GroupRow } from '../store.js';

/** AWS takes the key's ARN only (a key id or an alias is refused). */
export function checkKeyArn(keyId: string): void {
  if (!/^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/.test(keyId)) throw invalid('Specified KMS key must be a KMS key ARN.');
}

/** The group an encryption operation names by logGroupName or resourceIdentifier (exactly one). */
function targetGroup(c: LogsContext, scope: Scope, input: { logGroupName?: string; resourceIdentifier?: string }): GroupRow {
  if ((input.logGroupName === undefined) === (input.resourceIdentifier === undefined)) {
    throw invalid('Exactly one of logGroupName or resourceIdentifier must be specified.');
  }
  if (input.logGroupName !== undefined) return requireGroup(c, scope, input.logGroupName);
  if (/:query-result:/.test(input.resourceIdentifier!)) {
    throw new AwsError('NotImplemented', 'Drydock does not encrypt Logs Insights query results with a KMS key', { status: 501 });
  }
  return groupByIdentifier(c, scope, input.resourceIdentifier!);
}

/**
 * Associates the key: KMS must make a data key for the group as CloudWatch Logs' service principal
 * (the key exists, is enabled and its policy allows logs.<region>.amazonaws.com), else AWS's
 * AccessDeniedException. Events written from now on are sealed under it; earlier ones stay as they are.
 */
export async function associateKmsKey(c: LogsContext, input: AssociateKmsKeyRequest, ctx: RequestContext): Promise<void> {
  const scope = scopeOf(ctx);
  checkKeyArn(input.kmsKeyId!);
  const group = targetGroup(c, scope, input);
  const made = await newDataKey(c, group, groupArn(group), input.kmsKeyId!);
  c.store.tx(() => {
    const current = c.store.groupById(group.id);
    if (!current) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
    c.store.setKmsKey(current.id, input.kmsKeyId!);
    c.resources.insertDataKey(current.id, input.kmsKeyId!, made.encrypted, c.rt.clock.now());
  });
}

/** Stops sealing new events; those already sealed stay so, readable while KMS still decrypts their data key. */
export function disassociateKmsKey(c: LogsContext, input: DisassociateKmsKeyRequest, ctx: RequestContext): void {
  c.store.tx(() => c.store.setKmsKey(targetGroup(c, scopeOf(ctx), input).id, null));
}
