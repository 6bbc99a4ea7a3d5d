/**
 * Amazon SNS: standard and FIFO topics whose messages really reach their subscribers — SQS queues
 * and Lambda functions through the in-process call path (as `sns.amazonaws.com`, checked against
 * the queue policy or function permission), HTTP/S endpoints on any reachable URL with AWS's
 * confirmation handshake and signed messages, and email, email-json and SMS into a local outbox
 * (`drydock sns outbox`, `GET /_drydock/sns/outbox`). Deliveries are durable jobs written in the
 * publish's transaction, retried on the Drydock clock, dead-lettered to SQS.
 *
 * Gaps against AWS:
 * - Platform applications and endpoints (mobile push), the SMS account operations (SMS attributes,
 *   opt-outs, sandbox numbers, origination numbers) answer 501. Subscribe with protocol
 *   `application` or `firehose` answers 501; ReplayPolicy (message archive replay) answers 501.
 * - SMS is never sent: Publish to a phone number and SMS subscriptions write to the outbox.
 *   Likewise email: nothing leaves the machine.
 * - Stored and reported but without effect: KmsMasterKeyId (messages are not encrypted with KMS, and
 *   publishing never checks the key), TracingConfig, ArchivePolicy, FifoThroughputScope, the
 *   delivery status logging attributes (no CloudWatch Logs are written) and data protection
 *   policies (never applied to messages).
 * - HTTP/S delivery: any status outside 2xx is a failure and is retried per the delivery policy;
 *   the backoff curves follow AWS's documented shapes without jitter; throttlePolicy is not
 *   applied. HTTPS endpoints must present a certificate Node trusts.
 * - Messages are signed with Drydock's own self-signed certificate (served at SigningCertURL), so
 *   validators that insist the certificate URL is on amazonaws.com reject them.
 * - Filter policy errors carry AWS's reason without the parser position AWS appends
 *   ("at [Source: …; line: 1, column: N]"). Filter policy changes apply at once (AWS: up to 15
 *   minutes).
 * - Unconfirmed subscriptions are never purged (AWS deletes them after 48 hours); their token
 *   expires after two days. SubscriptionsDeleted is always 0.
 * - PublishBatch refuses the whole batch for any invalid entry (Failed is always empty).
 * - FIFO topics share one delivery lane: their messages are delivered one at a time in publish
 *   order across all FIFO topics (AWS orders per message group), so a delivery retried after a
 *   server-side error holds back the others' (SQS refusals, the usual failure, are not retried).
 * - Some messages where AWS's wording is undocumented are Drydock's own (invalid attribute values,
 *   delivery policy bounds).
 */
import { parseArn } from '../../core/arn.js';
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../contracts.js';
import { snsAuthorization } from './authorization.js';
import { attributesOf, SNS_HTTP_PREFIX, type SnsContext } from './common.js';
import { registerDeliveryJobs } from './delivery.js';
import { createHandlers } from './handlers.js';
import { snsHttpHandler } from './http.js';
import { Signer } from './signing.js';
import { SnsStore } from './store.js';

const model = loadModel('sns');

export const sns: ServiceDefinition = {
  name: 'sns',
  model,
  validationError: 'ValidationError',
  httpPrefix: SNS_HTTP_PREFIX,
  create(rt) {
    const store = new SnsStore(rt.store);
    const c: SnsContext = { store, rt, signer: new Signer(store, rt.clock) };
    registerDeliveryJobs(c);
    return {
      handlers: createHandlers(c),
      authorization: snsAuthorization((topicArn) => (store.topic(topicArn) ? Object.fromEntries(store.tags(topicArn).map((t) => [t.tag_key, t.tag_value])) : undefined)),
      // A topic's access policy (its Policy attribute), in the account its ARN names.
      resourcePolicy(arn) {
        const topic = parseArn(arn)?.service === 'sns' ? store.topic(arn) : undefined;
        return topic && { document: attributesOf(topic).Policy!, account: topic.account };
      },
      handleHttp: snsHttpHandler(c, model),
      reset: () => c.signer.reset(),
    };
  },
};
