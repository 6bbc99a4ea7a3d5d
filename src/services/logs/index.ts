/**
 * CloudWatch Logs: log groups and streams, PutLogEvents/GetLogEvents/FilterLogEvents with AWS's
 * limits, tokens and filter-pattern syntax, retention, tags, metric and subscription filters, Logs
 * Insights queries run for real over the stored events (insights/, query-runner.ts), saved queries,
 * resource policies the authorization step evaluates, KMS encryption of groups (encryption.ts) and
 * export tasks that write to S3 (export-runner.ts). Other services write logs through `api` (LogsApi).
 *
 * Gaps against AWS:
 * - Implemented: CreateLogGroup, DeleteLogGroup, DescribeLogGroups, ListLogGroups,
 *   PutLogGroupDeletionProtection, PutRetentionPolicy, DeleteRetentionPolicy, CreateLogStream,
 *   DeleteLogStream, DescribeLogStreams, PutLogEvents, GetLogEvents, FilterLogEvents, TagLogGroup,
 *   UntagLogGroup, ListTagsLogGroup, TagResource, UntagResource, ListTagsForResource,
 *   PutMetricFilter, DescribeMetricFilters, DeleteMetricFilter, TestMetricFilter,
 *   PutSubscriptionFilter, DescribeSubscriptionFilters, DeleteSubscriptionFilter, StartQuery,
 *   GetQueryResults, StopQuery, DescribeQueries, PutQueryDefinition, DescribeQueryDefinitions,
 *   DeleteQueryDefinition, PutResourcePolicy, DescribeResourcePolicies, DeleteResourcePolicy,
 *   AssociateKmsKey, DisassociateKmsKey, CreateExportTask, DescribeExportTasks, CancelExportTask.
 *   Every other operation (GetLogRecord, Live Tail, destinations, transformers, data protection,
 *   deliveries, field indexes …) answers NotImplemented (501).
 * - Logs Insights runs Logs Insights QL (CWLI) only: SQL and PPL answer 501, as do the commands
 *   pattern, diff, anomaly, unmask, SOURCE, join, lookup, unnest/expand, filterIndex, addtotals and
 *   relevantfields, and `parse` in logfmt/CSV modes. Runs fields, display, filter, stats (count,
 *   count_distinct, sum, avg, min, max, pct, stddev, earliest, latest; `by` with bin()), sort, limit
 *   [any], dedup and parse (glob and regex), with the numeric, string, general and datetime functions
 *   of the older documentation (no IP, JSON, hash or time-series functions). Discovered fields are
 *   the system ones and JSON fields (at most 200); Lambda, VPC flow log and other log-type fields are
 *   not discovered. count_distinct is exact and pct is nearest-rank (AWS approximates both). Sorting
 *   is descending unless `asc`; rows without `sort` come newest first, group by group; `stats` rows
 *   come newest bin first, else in the order their groups first appear. recordsMatched counts the
 *   events that pass the filters before the first `stats`, read in full even under a `limit`. A
 *   query that reads every event through JavaScript takes some 2 s per million events on an idle
 *   machine (the leading @message filters and plain counts SQLite answers take well under 1 s). Queries never time out
 *   (AWS: 60 minutes) and their results are never encrypted with a KMS key (AssociateKmsKey on a
 *   query-result ARN answers 501). The wording of the errors for a missing or doubled group
 *   parameter, endTime before startTime and an unknown queryId is not AWS's recorded text.
 * - Query definitions are kept for CWLI only (other languages answer 501) and their query strings
 *   are not checked; clientToken is ignored.
 * - Resource policies are evaluated as the union of the account-level policies and the group's own;
 *   documents are checked for JSON with Effect, Principal and Action in every statement, not with
 *   IAM's full grammar. A policy document's 5,120-character limit of older documentation is not
 *   enforced (the model's 51,200 is).
 * - KMS: events are sealed under a data key KMS makes once per association, and every read or write
 *   of an encrypted group asks KMS to decrypt it (AWS caches keys for up to five minutes, so a
 *   disabled key stops Drydock at once). A write or read KMS refuses answers AccessDeniedException
 *   with the association's message; a query over such a group ends Failed. Queries over an encrypted
 *   group run every command in JavaScript (SQL cannot look into sealed messages).
 * - Export tasks: objects split into parts at 64 MiB of text per stream; a stream with no event in
 *   the range gets no object. The PutObject calls carry the bucket-owner-full-control ACL, and
 *   Drydock's S3 also checks s3:PutObjectAcl for a write with an ACL, so the bucket policy must
 *   allow that action too (AWS's documented policy grants s3:PutObject only). Buckets are not checked
 *   for being in the group's Region, and KMS-encrypted buckets are not special-cased.
 * - Metric filters are stored, validated and counted (metricFilterCount) but emit no metric:
 *   Drydock does not serve CloudWatch metrics.
 * - Subscription filters deliver to Lambda only (subscription-delivery.ts): the matching events of
 *   each PutLogEvents call (or LogsApi write) go to the function in one asynchronous invocation per
 *   filter (more when the encoded data passes 240 KiB), as logs.amazonaws.com, or, when the
 *   function's policy refuses that, logs.<region>.amazonaws.com (AWS accepts either in the
 *   permission). logEvents carry no extractedFields for space-delimited patterns, and a delivery
 *   the function refuses (deleted, permission removed) is logged and dropped (AWS retries for up to
 *   24 hours). AWS's test message to a Lambda destination is a DryRun invocation: existence and
 *   permission are checked, the function does not run. Kinesis and Firehose destinations are stored
 *   and validated by ARN but get nothing (Drydock serves neither), and are not checked for existence
 *   or permission; the role is checked through IAM (it must exist and trust logs.amazonaws.com or
 *   logs.<region>.amazonaws.com). A Logs destination ARN is ResourceNotFoundException, as
 *   PutDestination answers 501.
 * - Authorization names AWS's resource ARNs (authorization.ts): streams for the stream operations,
 *   `log-group:<name>:log-stream:` for the other group operations, `log-group:<name>:*` for
 *   StartQuery. Where AWS's newest denials name a bare `log-group:<name>` (DeleteLogGroup has been
 *   seen so), Drydock still checks the `:log-stream:` form.
 * - fieldSelectionCriteria, emitSystemFields and emitSystemFieldDimensions are stored and reported,
 *   not interpreted; applyOnTransformedLogs: true is refused (there are no transformers).
 * - TestMetricFilter reports extractedValues for space-delimited patterns only ({} for the others).
 * - Cross-account observability is not modelled: accountIdentifiers/includeLinkedAccounts are ignored
 *   and ARNs of other accounts' groups are not found.
 * - Only log groups are taggable (TagResource with any other ARN is InvalidParameterException).
 * - Retention: expired events are invisible at once and purged when the group is next written to or
 *   its policy changes (AWS deletes them within days); storedBytes counts UTF-8 message bytes and
 *   is exact and immediate, where AWS's is approximate and lags.
 * - DescribeLogStreams' lastEventTimestamp/lastIngestionTime are updated at once (AWS: eventually).
 * - FilterLogEvents: nextToken is returned whenever more events lie in the searched range (a last page
 *   can be empty, as on AWS); a call examines at most 100,000 events before handing back a nextToken;
 *   any missing name in logStreamNames is ResourceNotFoundException.
 * - Events more than 1 MB each are only refused through the 1,048,576-byte batch limit.
 * - PutLogEvents' `entity` and the reads' `unmask` are accepted and ignored (no entities, no data
 *   protection policies).
 * - Filter patterns: unquoted terms match as substrings; regexes allow AWS's character set (plus space) with JavaScript regex semantics;
 *   unquoted JSON/space-delimited values may hold letters, digits and `_ . * + -`; JSON selectors
 *   support `.name` and `[n]` steps only (no `[*]`); numbers in JSON events compare by value, so
 *   `12.0` equals the string "12" (AWS compares the event's text). Syntax errors name the offending
 *   term as AWS does, but which term AWS names is matched only for the cases observed.
 */
import { parseArn } from '../../core/arn.js';
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../contracts.js';
import { createLogsApi } from './api.js';
import { logsAuthorization } from './authorization.js';
import type { LogsContext } from './common.js';
import { registerExportRunner } from './export-runner.js';
import { createHandlers } from './handlers/index.js';
import { effectivePolicy } from './handlers/resource-policies.js';
import { registerQueryRunner } from './query-runner.js';
import { LogsStore } from './store.js';
import { QueryStore } from './store-queries.js';
import { ResourceStore } from './store-resources.js';
import { registerSubscriptionDelivery } from './subscription-delivery.js';

export type { LogsApi } from './api.js';

export const logs: ServiceDefinition = {
  name: 'logs',
  model: loadModel('logs'),
  // CloudWatch Logs reports constraint violations ("1 validation error detected: …") as InvalidParameterException.
  validationError: 'InvalidParameterException',
  create(rt) {
    const queries = new QueryStore(rt.store);
    const c: LogsContext = { store: new LogsStore(rt.store), queries, resources: new ResourceStore(rt.store), rt };
    registerQueryRunner(c);
    registerExportRunner(c);
    registerSubscriptionDelivery(c);
    return {
      handlers: createHandlers(c),
      authorization: logsAuthorization({
        tags(groupArn) {
          const parts = parseArn(groupArn);
          const name = parts?.resource.startsWith('log-group:')
            ? parts.resource
                .slice('log-group:'.length)
                .replace(/:log-stream:.*$/, '')
                .replace(/:\*$/, '')
            : undefined;
          const group = parts && name ? c.store.group({ account: parts.account, region: parts.region }, name) : undefined;
          return group ? (JSON.parse(group.tags) as Record<string, string>) : {};
        },
      }),
      api: createLogsApi(c),
      // A log group's (or stream's) policy: the account-level resource policies and the group's own.
      resourcePolicy(arn) {
        const parts = parseArn(arn);
        const name =
          parts?.service === 'logs' && parts.resource.startsWith('log-group:')
            ? parts.resource
                .slice('log-group:'.length)
                .replace(/:log-stream:.*$/, '')
                .replace(/:\*$/, '')
            : undefined;
        if (!parts || !name) return undefined;
        const document = effectivePolicy(c, { account: parts.account, region: parts.region }, arn.replace(/:log-stream:.*$/, '').replace(/:\*$/, ''));
        return document === undefined ? undefined : { document, account: parts.account };
      },
    };
  },
};
