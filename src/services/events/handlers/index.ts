/** The EventBridge handlers map: every operation Drydock serves, each a module-level function of the context. The Gaps are stated in ../index.ts. */
import type { Handlers } from '../../../protocol/types.js';
import { bindOperations } from '../../bind.js';
import type { EventsContext } from '../common.js';
import { cancelReplay, createArchive, deleteArchive, describeArchive, describeReplay, listArchives, listReplays, startReplay, updateArchive } from './archives.js';
import { createEventBus, deleteEventBus, describeEventBus, listEventBuses, putPermission, removePermission, updateEventBus } from './buses.js';
import { putEvents } from './put-events.js';
import { deleteRule, describeRule, disableRule, enableRule, listRuleNamesByTarget, listRules, putRule, testEventPattern } from './rules.js';
import { listTagsForResource, tagResource, untagResource } from './tags.js';
import { listTargetsByRule, putTargets, removeTargets } from './targets.js';

const OPERATIONS = {
  CreateEventBus: createEventBus,
  DeleteEventBus: deleteEventBus,
  DescribeEventBus: describeEventBus,
  ListEventBuses: listEventBuses,
  UpdateEventBus: updateEventBus,
  PutPermission: putPermission,
  RemovePermission: removePermission,
  PutRule: putRule,
  DeleteRule: deleteRule,
  DescribeRule: describeRule,
  EnableRule: enableRule,
  DisableRule: disableRule,
  ListRules: listRules,
  ListRuleNamesByTarget: listRuleNamesByTarget,
  TestEventPattern: testEventPattern,
  PutTargets: putTargets,
  RemoveTargets: removeTargets,
  ListTargetsByRule: listTargetsByRule,
  PutEvents: putEvents,
  CreateArchive: createArchive,
  DescribeArchive: describeArchive,
  ListArchives: listArchives,
  UpdateArchive: updateArchive,
  DeleteArchive: deleteArchive,
  StartReplay: startReplay,
  CancelReplay: cancelReplay,
  DescribeReplay: describeReplay,
  ListReplays: listReplays,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};

export function createHandlers(c: EventsContext): Handlers {
  return bindOperations(c, OPERATIONS);
}
