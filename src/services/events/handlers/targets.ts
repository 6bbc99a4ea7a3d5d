/** Targets of a rule: PutTargets (with per-target failures, as AWS reports them), RemoveTargets and ListTargetsByRule. */
import type { ListTargetsByRuleRequest, ListTargetsByRuleResponse, PutTargetsRequest, PutTargetsResponse, RemoveTargetsRequest, RemoveTargetsResponse, Target } from '@aws-sdk/client-eventbridge';
import { parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { busRef, DEFAULT_LIMIT, type EventsContext, page, readToken, requireRule, validation } from '../common.js';
import { NEEDS_ROLE, targetKind } from '../engine/targets.js';
import { parsePath } from '../engine/transform.js';

/** AWS allows five targets per rule. */
const MAX_TARGETS = 5;
const MAX_INPUT_PATHS = 100;
const RESERVED_VARIABLE = /^aws\.events\./;

/** Why AWS refuses a target outright (ValidationException), if it does. */
function checkTarget(target: Target): void {
  const id = target.Id!;
  const inputs = [target.Input, target.InputPath, target.InputTransformer].filter((v) => v !== undefined).length;
  if (inputs > 1) throw validation(`Only one of Input, InputPath, or InputTransformer can be specified for target ${id}.`);
  if (target.Input !== undefined) {
    try {
      JSON.parse(target.Input);
    } catch {
      throw validation(`Input for target ${id} must be valid JSON text.`);
    }
  }
  if (target.InputPath !== undefined && !parsePath(target.InputPath)) throw validation(`Parameter InputPath is not valid for target ${id}.`);
  const transformer = target.InputTransformer;
  if (transformer) {
    const paths = Object.entries(transformer.InputPathsMap ?? {});
    if (paths.length > MAX_INPUT_PATHS) throw validation(`InputPathsMap of target ${id} has more than ${MAX_INPUT_PATHS} entries.`);
    for (const [name, path] of paths) {
      if (RESERVED_VARIABLE.test(name)) throw validation(`InputPathsMap of target ${id} uses the reserved name ${name}.`);
      if (!parsePath(path)) throw validation(`Parameter InputPathsMap is not valid for target ${id}: ${path} is not a valid JSON path.`);
    }
  }
  const kind = targetKind(target.Arn!);
  if (!kind) throw validation(`Parameter ${target.Arn} is not valid. Reason: Provided Arn is not in correct format.`);
  if (NEEDS_ROLE.has(kind) && !target.RoleArn) throw validation(`Parameter(s) RoleArn must be specified for target: ${id}.`);
  if (kind === 'sqs' && parseArn(target.Arn!)!.resource.endsWith('.fifo') && !target.SqsParameters?.MessageGroupId) {
    throw validation(`Parameter(s) SqsParameters must be specified for target: ${id}.`);
  }
  if (target.DeadLetterConfig?.Arn && parseArn(target.DeadLetterConfig.Arn)?.service !== 'sqs') {
    throw validation(`Parameter DeadLetterConfig.Arn is not valid for target ${id}: only Amazon SQS queues can be dead-letter queues.`);
  }
}

export function putTargets(c: EventsContext, input: PutTargetsRequest, ctx: RequestContext): PutTargetsResponse {
  const ref = busRef(ctx, input.EventBusName);
  const targets = input.Targets ?? [];
  for (const target of targets) checkTarget(target);
  return c.store.tx(() => {
    const rule = requireRule(c, ref, input.Rule!);
    if (rule.managed_by) throw new AwsError('ManagedRuleException', `Rule ${rule.name} is managed by ${rule.managed_by} and cannot be modified.`);
    const existing = new Set(c.store.targets(ref.scope, ref.name, rule.name).map((t) => t.id));
    const added = targets.filter((t) => !existing.has(t.Id!)).map((t) => t.Id);
    if (existing.size + new Set(added).size > MAX_TARGETS)
      throw new AwsError('LimitExceededException', `The requested resource exceeds the maximum number allowed. A rule can have at most ${MAX_TARGETS} targets.`);
    let seq = existing.size;
    for (const target of targets) {
      c.store.upsertTarget(ref.scope, ref.name, rule.name, target.Id!, target.Arn!, JSON.stringify(target), seq++);
    }
    c.index.invalidate(ref.scope, ref.name);
    // Every check that can fail a target ran before the transaction: none fails on its own here.
    return { FailedEntryCount: 0, FailedEntries: [] };
  });
}

export function removeTargets(c: EventsContext, input: RemoveTargetsRequest, ctx: RequestContext): RemoveTargetsResponse {
  const ref = busRef(ctx, input.EventBusName);
  return c.store.tx(() => {
    const rule = requireRule(c, ref, input.Rule!);
    if (rule.managed_by && !input.Force) throw new AwsError('ManagedRuleException', `Rule ${rule.name} is managed by ${rule.managed_by} and its targets cannot be removed without Force.`);
    for (const id of input.Ids ?? []) c.store.deleteTarget(ref.scope, ref.name, rule.name, id);
    c.index.invalidate(ref.scope, ref.name);
    return { FailedEntryCount: 0, FailedEntries: [] };
  });
}

export function listTargetsByRule(c: EventsContext, input: ListTargetsByRuleRequest, ctx: RequestContext): ListTargetsByRuleResponse {
  const ref = busRef(ctx, input.EventBusName);
  const rule = requireRule(c, ref, input.Rule!);
  const limit = input.Limit ?? DEFAULT_LIMIT;
  const after = readToken(input.NextToken);
  const rows = c.store.targets(ref.scope, ref.name, rule.name);
  const start = after ? rows.findIndex((t) => t.id === after) + 1 : 0;
  const { items, next } = page(rows.slice(start, start + limit + 1), limit, (t) => t.id);
  return { Targets: items.map((t) => JSON.parse(t.body) as Target), NextToken: next };
}
