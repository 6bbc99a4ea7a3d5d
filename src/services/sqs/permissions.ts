/** AddPermission and RemovePermission: statements of the queue policy, by label, for other accounts. */
import type { AddPermissionRequest, RemovePermissionRequest } from '@aws-sdk/client-sqs';
import { partitionOf } from '../../core/arn.js';
import type { RequestContext } from '../../protocol/types.js';
import { type Queue, requireOwner, resolveQueue, type SqsContext } from './common.js';
import { invalidParameterValue, invalidValue, missingParameter } from './errors.js';

/** Actions a queue may grant another account; the queue owner's alone are refused by name. */
const SHAREABLE = new Set(['*', 'SendMessage', 'ReceiveMessage', 'DeleteMessage', 'ChangeMessageVisibility', 'GetQueueAttributes', 'GetQueueUrl', 'ListDeadLetterSourceQueues', 'PurgeQueue']);
const OWNER_ONLY = new Set([
  'AddPermission',
  'CancelMessageMoveTask',
  'CreateQueue',
  'DeleteQueue',
  'ListMessageMoveTasks',
  'ListQueues',
  'ListQueueTags',
  'RemovePermission',
  'SetQueueAttributes',
  'StartMessageMoveTask',
  'TagQueue',
  'UntagQueue',
]);
const MAX_STATEMENTS = 20;

interface PolicyDocument {
  Id?: string;
  Version?: string;
  Statement: Record<string, unknown>[] | Record<string, unknown>;
}

function statementsOf(doc: PolicyDocument): Record<string, unknown>[] {
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

/** One value as AWS writes it in a statement: alone, or as a list when there are several. */
const oneOrMany = (values: string[]): string | string[] => (values.length === 1 ? values[0] : values);

function savePolicy(c: SqsContext, queue: Queue, doc: PolicyDocument | undefined): void {
  const attributes = { ...queue.attrs };
  if (doc) attributes.Policy = JSON.stringify(doc);
  else delete attributes.Policy;
  c.store.setAttributes(queue.id, JSON.stringify(attributes), c.rt.clock.now());
}

export function addPermission(c: SqsContext, input: AddPermissionRequest, ctx: RequestContext): Record<string, never> {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  requireOwner(queue, ctx, 'AddPermission');
  if (!input.Label) throw missingParameter('Label');
  if (!input.AWSAccountIds?.length) throw missingParameter('AWSAccountIds');
  if (!input.Actions?.length) throw missingParameter('ActionName');
  for (const action of input.Actions) {
    if (OWNER_ONLY.has(action)) throw invalidValue('ActionName', `SQS:${action}`, 'Only the queue owner is allowed to invoke this action.');
    if (!SHAREABLE.has(action)) throw invalidValue('ActionName', `SQS:${action}`, 'Please refer to the appropriate WSDL for a list of valid actions.');
  }
  for (const account of input.AWSAccountIds) if (!/^\d{12}$/.test(account)) throw invalidValue('PrincipalId', account, 'Unable to verify.');
  const partition = partitionOf(queue.region);
  const statement = {
    Sid: input.Label,
    Effect: 'Allow',
    Principal: { AWS: oneOrMany(input.AWSAccountIds.map((account) => `arn:${partition}:iam::${account}:root`)) },
    Action: oneOrMany(input.Actions.map((action) => `SQS:${action}`)),
    Resource: queue.arn,
  };
  c.store.tx(() => {
    const doc: PolicyDocument = queue.attrs.Policy ? (JSON.parse(queue.attrs.Policy) as PolicyDocument) : { Id: `${queue.arn}/SQSDefaultPolicy`, Version: '2012-10-17', Statement: [] };
    const statements = statementsOf(doc);
    const same = statements.find((s) => s.Sid === input.Label);
    if (same) {
      // The very same permission again changes nothing.
      if (JSON.stringify(same) === JSON.stringify(statement)) return;
      throw invalidValue('Label', input.Label, 'Already exists.');
    }
    if (statements.length + 1 > MAX_STATEMENTS) throw invalidParameterValue(`${statements.length + 1} Statements were found, maximum allowed is ${MAX_STATEMENTS}.`);
    const next = [...statements, statement];
    savePolicy(c, queue, { ...doc, Statement: next.length === 1 ? next[0] : next });
  });
  return {};
}

export function removePermission(c: SqsContext, input: RemovePermissionRequest, ctx: RequestContext): Record<string, never> {
  const queue = resolveQueue(c, input.QueueUrl, ctx);
  requireOwner(queue, ctx, 'RemovePermission');
  if (!input.Label) throw missingParameter('Label');
  c.store.tx(() => {
    const doc = queue.attrs.Policy ? (JSON.parse(queue.attrs.Policy) as PolicyDocument) : undefined;
    const statements = doc ? statementsOf(doc) : [];
    const remaining = statements.filter((s) => s.Sid !== input.Label);
    if (!doc || remaining.length === statements.length) throw invalidValue('Label', input.Label, "can't find label on existing policy.");
    savePolicy(c, queue, remaining.length ? { ...doc, Statement: remaining.length === 1 ? remaining[0] : remaining } : undefined);
  });
  return {};
}
