/** The CloudWatch Logs handlers map: every operation Drydock serves, each a module-level function of the context. The Gaps are stated in ../index.ts. */
import type { Handlers } from '../../../protocol/types.js';
import { bindOperations } from '../../bind.js';
import type { LogsContext } from '../common.js';
import { filterLogEvents, getLogEvents, putLogEvents } from './events.js';
import { cancelExportTask, createExportTask, describeExportTasks } from './exports.js';
import { createLogGroup, deleteLogGroup, describeLogGroups, listLogGroups } from './groups.js';
import { associateKmsKey, disassociateKmsKey } from './kms-keys.js';
import { deleteMetricFilter, describeMetricFilters, putMetricFilter, testMetricFilter } from './metric-filters.js';
import {
  deleteRetentionPolicy,
  listTagsForResource,
  listTagsLogGroup,
  putLogGroupDeletionProtection,
  putRetentionPolicy,
  tagLogGroup,
  tagResource,
  untagLogGroup,
  untagResource,
} from './policies-tags.js';
import { describeQueries, getQueryResults, startQuery, stopQuery } from './queries.js';
import { deleteQueryDefinition, describeQueryDefinitions, putQueryDefinition } from './query-definitions.js';
import { deleteResourcePolicy, describeResourcePolicies, putResourcePolicy } from './resource-policies.js';
import { createLogStream, deleteLogStream, describeLogStreams } from './streams.js';
import { deleteSubscriptionFilter, describeSubscriptionFilters, putSubscriptionFilter } from './subscription-filters.js';

const OPERATIONS = {
  CreateLogGroup: createLogGroup,
  DeleteLogGroup: deleteLogGroup,
  DescribeLogGroups: describeLogGroups,
  CreateLogStream: createLogStream,
  DeleteLogStream: deleteLogStream,
  DescribeLogStreams: describeLogStreams,
  PutLogEvents: putLogEvents,
  GetLogEvents: getLogEvents,
  FilterLogEvents: filterLogEvents,
  PutLogGroupDeletionProtection: putLogGroupDeletionProtection,
  PutRetentionPolicy: putRetentionPolicy,
  DeleteRetentionPolicy: deleteRetentionPolicy,
  TagLogGroup: tagLogGroup,
  UntagLogGroup: untagLogGroup,
  ListTagsLogGroup: listTagsLogGroup,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
  PutMetricFilter: putMetricFilter,
  DescribeMetricFilters: describeMetricFilters,
  DeleteMetricFilter: deleteMetricFilter,
  TestMetricFilter: testMetricFilter,
  PutSubscriptionFilter: putSubscriptionFilter,
  DescribeSubscriptionFilters: describeSubscriptionFilters,
  DeleteSubscriptionFilter: deleteSubscriptionFilter,
  StartQuery: startQuery,
  GetQueryResults: getQueryResults,
  StopQuery: stopQuery,
  DescribeQueries: describeQueries,
  PutQueryDefinition: putQueryDefinition,
  DescribeQueryDefinitions: describeQueryDefinitions,
  DeleteQueryDefinition: deleteQueryDefinition,
  ListLogGroups: listLogGroups,
  PutResourcePolicy: putResourcePolicy,
  DescribeResourcePolicies: describeResourcePolicies,
  DeleteResourcePolicy: deleteResourcePolicy,
  CreateExportTask: createExportTask,
  DescribeExportTasks: describeExportTasks,
  CancelExportTask: cancelExportTask,
  AssociateKmsKey: associateKmsKey,
  DisassociateKmsKey: disassociateKmsKey,
};

export function createHandlers(c: LogsContext): Handlers {
  return bindOperations(c, OPERATIONS);
}
