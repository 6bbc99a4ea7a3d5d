/**
 * EventBridge (and CloudWatch Events, the same API): the default bus of every account and Region,
 * which receives the events Drydock's services publish, custom buses with resource policies,
 * rules with AWS's complete event-pattern grammar or rate()/cron() schedules on the Drydock clock,
 * targets delivered for real through in-process calls with retries and dead-letter queues,
 * PutEvents, TestEventPattern, archives and replays.
 *
 * Gaps against AWS:
 * - Implemented: the bus, permission, rule, target, PutEvents, TestEventPattern, archive, replay
 *   and tag operations. Connections, API destinations, global endpoints (and PutEvents with
 *   EndpointId), partner event sources and PutPartnerEvents answer NotImplemented (501);
 *   CreateEventBus with an EventSourceName answers ResourceNotFoundException (no partner sources).
 * - Targets delivered: SQS (FIFO with MessageGroupId, the event id as deduplication id), SNS,
 *   Lambda (asynchronous Invoke), CodeBuild StartBuild (the input's StartBuild members override
 *   the project), CodePipeline StartPipelineExecution (the rule recorded as the execution's
 *   CloudWatchEvent trigger; an input with AWS's `sourceRevisions`/`variables` entry overrides them),
 *   another bus (same or another account or Region: the event goes on unchanged, allowed by the
 *   receiving bus's policy for the sending account or the target's role) and CloudWatch Logs
 *   groups (CreateLogStream and PutLogEvents as events.amazonaws.com, so the Logs resource policy
 *   decides as on AWS, whatever RoleArn the target names; a missing group is not created; each
 *   event is written to a stream named after its id). Other ARNs
 *   (Step Functions, Kinesis, ECS, API destinations …) are refused by PutTargets. Target
 *   parameters other than SqsParameters (Http, Ecs, Batch, Kinesis, RunCommand, Redshift …) are
 *   stored and reported, not used. SNS FIFO topics get no MessageGroupId.
 * - Delivery is exactly once per target across a kill -9: an attempt's job ends in the transaction
 *   of the write it makes (the target's, the retry's or the dead-letter queue's), so an attempt
 *   the process died during is made again after the restart only if that write had not committed.
 *   Retries back off from 1 s,
 *   doubling up to 5 min, without jitter. Dead-letter messages carry RULE_ARN, TARGET_ARN,
 *   ERROR_CODE (NO_PERMISSIONS, RESOURCE_NOT_FOUND, THROTTLING or SDK_CLIENT_ERROR),
 *   ERROR_MESSAGE, RETRY_ATTEMPTS and, after retries, EXHAUSTED_RETRY_CONDITION. Bus-level
 *   DeadLetterConfig, KmsKeyIdentifier and LogConfig are stored and reported, not used.
 * - Pattern errors carry AWS's reasons and parser positions; wildcard complexity is judged by a
 *   simple bound (more than five `*` in one value is "too complex"), not AWS's unpublished
 *   measure. Numbers compare as IEEE doubles (AWS: 6 decimal places within ±5e9).
 * - No quotas are enforced on rules per bus, buses per account or invocations per second; a rule
 *   has at most 5 targets. Rules carry no events:source condition keys from their patterns.
 * - Archives are not shown as managed rules (AWS creates an `Events-Archive-<name>` rule);
 *   archive retention is applied when a replay starts. Replays run as fast as the bus routes.
 * - Schedules: rate() fires first one period after the rule was created, enabled or given the
 *   schedule; a time warp across several periods fires once. EventBridge Scheduler is another
 *   service and is not served.
 */
import { parseArn } from '../../core/arn.js';
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../contracts.js';
import { eventsAuthorization } from './authorization.js';
import { DEFAULT_BUS, type EventsContext, patternOf } from './common.js';
import { registerDelivery } from './engine/deliver.js';
import { RuleIndex } from './engine/index.js';
import { subscribeToServiceEvents } from './engine/ingest.js';
import { registerReplays } from './engine/replay.js';
import { registerSchedules } from './engine/scheduler.js';
import { createHandlers } from './handlers/index.js';
import { EventsStore } from './store.js';

export const events: ServiceDefinition = {
  name: 'events',
  model: loadModel('events'),
  validationError: 'ValidationException',
  authorization: eventsAuthorization,
  create(rt) {
    const store = new EventsStore(rt.store);
    const c: EventsContext = { store, rt, index: new RuleIndex(store, patternOf) };
    registerDelivery(c);
    registerSchedules(c);
    registerReplays(c);
    subscribeToServiceEvents(c);
    return {
      handlers: createHandlers(c),
      resourcePolicy(arn) {
        const parts = parseArn(arn);
        if (parts?.service !== 'events' || !parts.resource.startsWith('event-bus/')) return undefined;
        const name = parts.resource.slice('event-bus/'.length);
        const bus = name === DEFAULT_BUS || name ? store.bus({ account: parts.account, region: parts.region }, name) : undefined;
        return bus?.policy ? { document: bus.policy, account: bus.account } : undefined;
      },
      reset() {
        c.index.clear();
      },
    };
  },
};
