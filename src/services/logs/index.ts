/**
 * CloudWatch Logs: log groups and streams, PutLogEvents/GetLogEvents/FilterLogEvents with AWS's
 * limits, tokens and filter-pattern syntax, retention, tags. Other services write logs through
 * `api` (LogsApi).
 *
 * Gaps against AWS:
 * - Implemented: CreateLogGroup, DeleteLogGroup, DescribeLogGroups, PutLogGroupDeletionProtection,
 *   PutRetentionPolicy, DeleteRetentionPolicy, CreateLogStream, DeleteLogStream, DescribeLogStreams,
 *   PutLogEvents, GetLogEvents, FilterLogEvents, TagLogGroup, UntagLogGroup, ListTagsLogGroup,
 *   TagResource, UntagResource, ListTagsForResource. Every other operation (metric and subscription
 *   filters, Insights queries, Live Tail, exports, destinations, data protection, deliveries …)
 *   answers NotImplemented (501).
 * - kmsKeyId is stored and reported, not used to encrypt, and not checked against KMS.
 * - Cross-account observability is not modelled: accountIdentifiers/includeLinkedAccounts are ignored
 *   and ARNs of other accounts' groups are not found.
 * - Only log groups are taggable (TagResource with any other ARN is InvalidParameterException).
 * - Retention: expired events are invisible at once and purged when the group is next written to or
 *   its policy changes (AWS deletes them within days); storedBytes counts UTF-8 message bytes and
 *   is exact and immediate, where AWS's is approximate and lags.
 * - DescribeLogStreams' lastEventTimestamp/lastIngestionTime are updated at once (AWS: eventually).
 * - FilterLogEvents: nextToken is returned whenever more events lie in the searched range (a last page
 *   can be empty, as on AWS); a call examines at most 100,000 events before handing back a nextToken;
 *   any missing name in logStreamNames is ResourceNotFoundException. Filter-pattern regexes allow
 *   AWS's character set (plus space) with JavaScript regex semantics; the per-pattern regex quota is
 *   not enforced.
 * - Events more than 1 MB each are only refused through the 1,048,576-byte batch limit.
 * - PutLogEvents' `entity` and the reads' `unmask` are accepted and ignored (no entities, no data
 *   protection policies); metricFilterCount is always 0 because metric filters are not implemented.
 * - Filter patterns: unquoted terms match as substrings; JSON selectors support `.name` and `[n]`
 *   steps only (no `[*]`).
 */
import { parseArn } from '../../core/arn.js';
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../contracts.js';
import { createLogsApi } from './api.js';
import { logsAuthorization } from './authorization.js';
import type { LogsContext } from './common.js';
import { createHandlers } from './handlers/index.js';
import { LogsStore } from './store.js';

export type { LogsApi } from './api.js';

export const logs: ServiceDefinition = {
  name: 'logs',
  model: loadModel('logs'),
  // CloudWatch Logs reports constraint violations ("1 validation error detected: …") as InvalidParameterException.
  validationError: 'InvalidParameterException',
  create(rt) {
    const c: LogsContext = { store: new LogsStore(rt.store), rt };
    return {
      handlers: createHandlers(c),
      authorization: logsAuthorization({
        tags(groupArn) {
          const parts = parseArn(groupArn);
          const name = parts?.resource.startsWith('log-group:') ? parts.resource.slice('log-group:'.length).replace(/:log-stream:.*$/, '') : undefined;
          const group = parts && name ? c.store.group({ account: parts.account, region: parts.region }, name) : undefined;
          return group ? (JSON.parse(group.tags) as Record<string, string>) : {};
        },
      }),
      api: createLogsApi(c),
    };
  },
};
