/** The SNS handlers map: every operation Drydock serves. The Gaps are stated in index.ts. */
import type { Handlers } from '../../protocol/types.js';
import { bindOperations } from '../bind.js';
import type { SnsContext } from './common.js';
import { publish, publishBatch } from './publish.js';
import { confirmSubscription, getSubscriptionAttributes, listSubscriptions, listSubscriptionsByTopic, setSubscriptionAttributes, subscribe, unsubscribe } from './subscriptions.js';
import { listTagsForResource, tagResource, untagResource } from './tags.js';
import { addPermission, createTopic, deleteTopic, getDataProtectionPolicy, getTopicAttributes, listTopics, putDataProtectionPolicy, removePermission, setTopicAttributes } from './topics.js';

const OPERATIONS = {
  CreateTopic: createTopic,
  DeleteTopic: deleteTopic,
  GetTopicAttributes: getTopicAttributes,
  SetTopicAttributes: setTopicAttributes,
  ListTopics: listTopics,
  AddPermission: addPermission,
  RemovePermission: removePermission,
  GetDataProtectionPolicy: getDataProtectionPolicy,
  PutDataProtectionPolicy: putDataProtectionPolicy,
  Subscribe: subscribe,
  ConfirmSubscription: confirmSubscription,
  Unsubscribe: unsubscribe,
  GetSubscriptionAttributes: getSubscriptionAttributes,
  SetSubscriptionAttributes: setSubscriptionAttributes,
  ListSubscriptions: listSubscriptions,
  ListSubscriptionsByTopic: listSubscriptionsByTopic,
  Publish: publish,
  PublishBatch: publishBatch,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};

export function createHandlers(c: SnsContext): Handlers {
  return bindOperations(c, OPERATIONS);
}
