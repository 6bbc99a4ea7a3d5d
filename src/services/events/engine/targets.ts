/**
 * What delivering to a target means, by the kind of resource its ARN names: the operation
 * EventBridge calls on the target's service with the event's input. SQS, SNS, Lambda, CodeBuild
 * and CodePipeline are plain in-process calls (a CodePipeline target's input may carry AWS's
 * sourceRevisions override and variables); another event bus and a CloudWatch Logs group are
 * delivered by the engine itself (see deliver.ts).
 */
import type { Target } from '@aws-sdk/client-eventbridge';
import { parseArn } from '../../../core/arn.js';
import { loadModel } from '../../../protocol/model.js';
import type { ServiceCall } from '../../contracts.js';
import type { BusEvent } from './router.js';

export type TargetKind = 'sqs' | 'sns' | 'lambda' | 'codebuild' | 'codepipeline' | 'event-bus' | 'logs';

/** The kind of target an ARN names; undefined for resources Drydock cannot deliver to. */
export function targetKind(arn: string): TargetKind | undefined {
  const parts = parseArn(arn);
  if (!parts) return undefined;
  switch (parts.service) {
    case 'sqs':
    case 'sns':
      return parts.resource ? parts.service : undefined;
    case 'lambda':
      return parts.resource.startsWith('function:') ? 'lambda' : undefined;
    case 'codebuild':
      return parts.resource.startsWith('project/') ? 'codebuild' : undefined;
    case 'codepipeline':
      return parts.resource ? 'codepipeline' : undefined;
    case 'events':
      return parts.resource.startsWith('event-bus/') ? 'event-bus' : undefined;
    case 'logs':
      return parts.resource.startsWith('log-group:') ? 'logs' : undefined;
    default:
      return undefined;
  }
}

/** Kinds AWS invokes only with a role the target names. */
export const NEEDS_ROLE: ReadonlySet<TargetKind> = new Set(['codebuild', 'codepipeline']);

/** The queue URL SQS answers for a queue ARN on this endpoint. */
export function queueUrl(endpoint: string, queueArn: string): string {
  const parts = parseArn(queueArn)!;
  return `${endpoint}/${parts.account}/${parts.resource}`;
}

let startBuildMembers: Set<string> | undefined;

/** StartBuild's request members: the keys of a CodeBuild target's input that override the project for this build. */
function startBuildOverrides(input: string): Record<string, unknown> {
  startBuildMembers ??= new Set(Object.keys(loadModel('codebuild').operations.get('StartBuild')?.input?.members ?? {}));
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter(([key]) => startBuildMembers!.has(key) && key !== 'projectName'));
}

/**
 * A CodePipeline target's source override and variables: AWS's "input transform entry" makes the
 * target's input `{"sourceRevisions": {"actionName", "revisionType", "revisionValue"}, "variables":
 * [{"name", "value"}]}` (sourceRevisions as one object or a list); an event passed as it is has
 * neither, and the execution takes the latest revisions.
 */
function pipelineOverrides(input: string): { sourceRevisions?: unknown[]; variables?: unknown[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const { sourceRevisions, variables } = parsed as { sourceRevisions?: unknown; variables?: unknown };
  return {
    ...(sourceRevisions && typeof sourceRevisions === 'object' ? { sourceRevisions: Array.isArray(sourceRevisions) ? sourceRevisions : [sourceRevisions] } : {}),
    ...(Array.isArray(variables) ? { variables } : {}),
  };
}

/** The call that delivers `input` to a target of an in-process kind. */
export function serviceCall(kind: Exclude<TargetKind, 'event-bus' | 'logs'>, target: Target, input: string, event: BusEvent, endpoint: string): ServiceCall {
  const arn = target.Arn!;
  const parts = parseArn(arn)!;
  switch (kind) {
    case 'sqs': {
      const fifo = parts.resource.endsWith('.fifo');
      return {
        service: 'sqs',
        operation: 'SendMessage',
        input: {
          QueueUrl: queueUrl(endpoint, arn),
          MessageBody: input,
          // A FIFO queue dedupes on the event's id: a redelivered event is not queued twice.
          ...(fifo ? { MessageGroupId: target.SqsParameters?.MessageGroupId, MessageDeduplicationId: event.id } : {}),
        },
      };
    }
    case 'sns':
      return { service: 'sns', operation: 'Publish', input: { TopicArn: arn, Message: input } };
    case 'lambda':
      return { service: 'lambda', operation: 'Invoke', input: { FunctionName: arn, InvocationType: 'Event', Payload: Buffer.from(input) } };
    case 'codebuild':
      return { service: 'codebuild', operation: 'StartBuild', input: { ...startBuildOverrides(input), projectName: parts.resource.slice('project/'.length) } };
    case 'codepipeline':
      return { service: 'codepipeline', operation: 'StartPipelineExecution', input: { ...pipelineOverrides(input), name: parts.resource } };
  }
}
