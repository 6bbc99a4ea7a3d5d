/**
 * Amazon SQS: standard and FIFO queues whose messages live in SQLite (nothing acknowledged is lost
 * across a kill -9, receipt handles stay valid across restarts), over the JSON protocol of current
 * SDKs (with the `x-amzn-query-error` compatibility header) and the query protocol of older ones;
 * visibility timeouts, delays, retention and long polls on Drydock's clock; dead-letter redrive,
 * message move tasks, queue policies, tags.
 *
 * Other services send through the operations: `rt.call('sqs', 'SendMessage', { QueueUrl, … },
 * caller)`, where a QueueUrl of any host names `/<account>/<queue>` (e.g.
 * `https://sqs.<region>.amazonaws.com/<account>/<name>`, built from a queue ARN) and a
 * service-principal caller (`events.amazonaws.com`) is allowed what the queue policy grants it.
 *
 * Gaps against AWS:
 * - Server-side encryption is recorded (KmsMasterKeyId, KmsDataKeyReusePeriodSeconds,
 *   SqsManagedSseEnabled) but messages are not encrypted and KMS is never called, so the Kms*
 *   errors never occur.
 * - No throughput quotas (FIFO 300/3,000 per second, high-throughput limits, in-flight limits of
 *   120,000 and 20,000 messages: OverLimit, RequestThrottled); FifoThroughputLimit and
 *   DeduplicationScope are stored, and DeduplicationScope decides the deduplication scope.
 * - Changing a FIFO queue's DelaySeconds does not delay the messages already in it.
 * - A standard queue hands out messages strictly by visibility time (AWS's order is approximate),
 *   each at most once per receive; ApproximateNumberOf* counts are exact.
 * - The queue-owner-only operations (SetQueueAttributes, tags, permissions, move tasks,
 *   DeleteQueue) answer AccessDenied (403) to another account in Drydock's own words; a QueueUrl is
 *   resolved in the request's region whatever its host says.
 * - awsQuery requests must carry QueueUrl unless they are posted to the queue's path; a form value
 *   of the wrong type (MaxNumberOfMessages=abc) answers ValidationError; an awsQuery map entry
 *   without its name (`Attribute.1.Value` alone) is ignored rather than refused.
 * - Messages expired by their retention period are deleted when a receive or GetQueueAttributes
 *   meets them (they are never received or counted once expired, as on AWS).
 * - JSON errors name their shape in `__type` without AWS's `com.amazonaws.sqs#` namespace (the
 *   SDKs read the code from `x-amzn-query-error` first).
 * - Messages of errors whose wording AWS does not document (tag limits, attribute name periods,
 *   cancelling a finished move task, a redrive policy refused by the dead-letter queue's
 *   RedriveAllowPolicy) are Drydock's own under AWS's codes.
 */
import { parseArn } from '../../core/arn.js';
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../contracts.js';
import { sqsAuthorization } from './authorization.js';
import { Arrivals, queueByArn, type SqsContext } from './common.js';
import { createHandlers } from './handlers.js';
import { sqsModels } from './models.js';
import { registerMoveTasks } from './move-tasks.js';
import { SqsStore } from './store.js';

const models = sqsModels(loadModel('sqs').metadata);

export const sqs: ServiceDefinition = {
  name: 'sqs',
  model: models.json,
  // SQS's model constrains little beyond required members, which the handlers check themselves in
  // SQS's own words (MissingParameter, "Value … for parameter … is invalid").
  validationError: false,
  dialect: { queryModel: models.query },
  create(rt) {
    const c: SqsContext = { store: new SqsStore(rt.store), rt, arrivals: new Arrivals(rt.clock) };
    registerMoveTasks(c);
    return {
      handlers: createHandlers(c),
      authorization: sqsAuthorization({
        tags(arn) {
          const queue = queueByArn(c, arn);
          return queue ? (JSON.parse(queue.tags) as Record<string, string>) : {};
        },
      }),
      resourcePolicy(arn) {
        if (parseArn(arn)?.service !== 'sqs') return undefined;
        const queue = queueByArn(c, arn);
        return queue?.attrs.Policy ? { document: queue.attrs.Policy, account: queue.account } : undefined;
      },
      // Long polls answer at once when the server stops or its data is reset.
      stop: () => c.arrivals.releaseAll(),
      reset: () => {
        c.arrivals.releaseAll();
        // The data directory is about to be wiped: cached queue rows would outlive their queues.
        c.store.forgetQueues();
      },
    };
  },
};
