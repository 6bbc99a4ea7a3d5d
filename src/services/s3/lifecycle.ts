/**
 * Bucket lifecycle configurations, checked as S3 checks them (the messages S3 answers for each
 * fault) and stored; Drydock does not run their actions (see the Gaps in index.ts).
 */
import { randomUUID } from 'node:crypto';
import type {
  DeleteBucketLifecycleRequest,
  GetBucketLifecycleConfigurationOutput,
  GetBucketLifecycleConfigurationRequest,
  LifecycleRule,
  LifecycleRuleFilter,
  PutBucketLifecycleConfigurationOutput,
  PutBucketLifecycleConfigurationRequest,
  TransitionDefaultMinimumObjectSize,
} from '@aws-sdk/client-s3';
import { withResponse } from '../../protocol/codecs/rest-xml.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import type { S3Core } from './core.js';
import * as e from './errors.js';

const MAX_RULES = 1000;
const MAX_OBJECT_SIZE = 1099511627776000;
const MINIMUM_OBJECT_SIZES = new Set(['all_storage_classes_128K', 'varies_by_storage_class']);
const TRANSITION_CLASSES = new Set(['GLACIER', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'DEEP_ARCHIVE', 'GLACIER_IR']);
/** Storage classes an object may move to only once it is 30 days old (or noncurrent). */
const THIRTY_DAY_CLASSES = new Set(['STANDARD_IA', 'ONEZONE_IA']);

interface StoredLifecycle {
  Rules: LifecycleRule[];
  TransitionDefaultMinimumObjectSize: TransitionDefaultMinimumObjectSize;
}

/** What a rule's filter selects by, which some actions may not be combined with. */
interface FilterKinds {
  tags: boolean;
  size: boolean;
}

/** S3's ids for rules sent without one: a version 4 UUID in base64, 48 characters. */
const generatedId = () => Buffer.from(randomUUID()).toString('base64');

const atMidnight = (date: Date) => date.getUTCHours() === 0 && date.getUTCMinutes() === 0 && date.getUTCSeconds() === 0 && date.getUTCMilliseconds() === 0;

function checkFilter(filter: LifecycleRuleFilter): FilterKinds {
  const predicates = (['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan', 'And'] as const).filter((name) => filter[name] !== undefined);
  if (predicates.length > 1) throw e.malformedXml();
  const and = filter.And;
  if (and) {
    const count = (and.Prefix !== undefined ? 1 : 0) + (and.Tags?.length ?? 0) + (and.ObjectSizeGreaterThan !== undefined ? 1 : 0) + (and.ObjectSizeLessThan !== undefined ? 1 : 0);
    // An And joins two predicates or more.
    if (count < 2) throw e.malformedXml();
  }
  const tags = and ? (and.Tags ?? []) : filter.Tag ? [filter.Tag] : [];
  const keys = new Set<string>();
  for (const tag of tags) {
    if (!tag.Key) throw e.malformedXml();
    if (keys.has(tag.Key)) throw e.invalidRequest('Duplicate Tag Keys are not allowed.');
    keys.add(tag.Key);
  }
  const greater = and ? and.ObjectSizeGreaterThan : filter.ObjectSizeGreaterThan;
  const less = and ? and.ObjectSizeLessThan : filter.ObjectSizeLessThan;
  if (less !== undefined && (less < 1 || less > MAX_OBJECT_SIZE)) throw e.invalidRequest(`'ObjectSizeLessThan' should be between 1 and ${MAX_OBJECT_SIZE}.`);
  if (greater !== undefined && less !== undefined && greater >= less) throw e.invalidRequest("'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'.");
  return { tags: tags.length > 0, size: greater !== undefined || less !== undefined };
}

function checkExpiration(rule: LifecycleRule, filter: FilterKinds): void {
  const expiration = rule.Expiration;
  if (!expiration) return;
  const given = [expiration.Days, expiration.Date, expiration.ExpiredObjectDeleteMarker].filter((value) => value !== undefined);
  // Exactly one of Days, Date and ExpiredObjectDeleteMarker.
  if (given.length !== 1) throw e.malformedXml();
  if (expiration.Days !== undefined && expiration.Days <= 0) throw e.invalidArgument("'Days' for Expiration action must be a positive integer");
  if (expiration.Date !== undefined && !atMidnight(expiration.Date)) throw e.invalidArgument("'Date' must be at midnight GMT", 'Date', expiration.Date.toISOString());
  if (expiration.ExpiredObjectDeleteMarker !== undefined) {
    if (filter.size) throw e.invalidRequest('ExpiredObjectDeleteMarker cannot be specified with Object Size.');
    if (filter.tags) throw e.invalidRequest('ExpiredObjectDeleteMarker cannot be specified with Tags.');
  }
}

function checkTransitions(rule: LifecycleRule): void {
  for (const transition of rule.Transitions ?? []) {
    const storageClass = transition.StorageClass ?? '';
    if (!TRANSITION_CLASSES.has(storageClass) || (transition.Days === undefined) === (transition.Date === undefined)) throw e.malformedXml();
    if (transition.Date !== undefined && !atMidnight(transition.Date)) throw e.invalidArgument("'Date' must be at midnight GMT", 'Date', transition.Date.toISOString());
    if (transition.Days !== undefined && THIRTY_DAY_CLASSES.has(storageClass) && transition.Days < 30) {
      throw e.invalidArgument(`'Days' in Transition action must be greater than or equal to 30 for storageClass '${storageClass}'`);
    }
  }
  for (const transition of rule.NoncurrentVersionTransitions ?? []) {
    const storageClass = transition.StorageClass ?? '';
    if (!TRANSITION_CLASSES.has(storageClass) || transition.NoncurrentDays === undefined) throw e.malformedXml();
    if (THIRTY_DAY_CLASSES.has(storageClass) && transition.NoncurrentDays < 30) {
      throw e.invalidArgument(`'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to 30 for storageClass '${storageClass}'`);
    }
  }
}

function checkActions(rule: LifecycleRule, filter: FilterKinds, prefixRule: boolean): void {
  const actions = [rule.Expiration, rule.Transitions?.length, rule.NoncurrentVersionTransitions?.length, rule.NoncurrentVersionExpiration, rule.AbortIncompleteMultipartUpload];
  if (!actions.some(Boolean)) throw e.invalidRequest('At least one action needs to be specified in a rule');
  checkExpiration(rule, filter);
  checkTransitions(rule);
  const noncurrent = rule.NoncurrentVersionExpiration;
  if (noncurrent) {
    if (noncurrent.NoncurrentDays === undefined) throw e.malformedXml();
    if (noncurrent.NoncurrentDays <= 0) throw e.invalidArgument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer");
    if (noncurrent.NewerNoncurrentVersions !== undefined && prefixRule) throw e.invalidRequest('NewerNoncurrentVersions element can only be used in Lifecycle V2.');
  }
  const abort = rule.AbortIncompleteMultipartUpload;
  if (abort) {
    if (abort.DaysAfterInitiation === undefined) throw e.malformedXml();
    if (abort.DaysAfterInitiation <= 0) throw e.invalidArgument("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer");
    if (filter.tags) throw e.invalidRequest('AbortIncompleteMultipartUpload cannot be specified with Tags.');
    if (filter.size) throw e.invalidRequest('AbortIncompleteMultipartUpload cannot be specified with Object Size.');
  }
}

/** The rules as S3 stores them (every rule with an ID), or S3's error for the first fault. */
function checkedRules(rules: LifecycleRule[] | undefined): LifecycleRule[] {
  if (!rules?.length) throw e.malformedXml();
  if (rules.length > MAX_RULES) throw e.invalidRequest(`The number of lifecycle rules must not exceed the allowed limit of ${MAX_RULES} rules.`);
  const ids = new Set<string>();
  // A configuration is either all rule-level prefixes (V1) or all filters (V2).
  let filters = false;
  let prefixes = false;
  return rules.map((rule) => {
    if (rule.Status !== 'Enabled' && rule.Status !== 'Disabled') throw e.malformedXml();
    const prefixRule = rule.Prefix !== undefined;
    if (prefixRule === (rule.Filter !== undefined)) throw e.malformedXml();
    if (!prefixRule && prefixes) throw e.invalidRequest('Filter element can only be used in Lifecycle V2.');
    if (prefixRule && filters) throw e.invalidRequest('Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the Filter.');
    filters ||= !prefixRule;
    prefixes ||= prefixRule;
    const id = rule.ID ?? generatedId();
    if (id.length > 255) throw e.invalidArgument('ID length should not exceed allowed limit of 255');
    if (ids.has(id)) throw e.invalidArgument('Rule ID must be unique. Found same ID for more than one rule');
    ids.add(id);
    checkActions(rule, prefixRule ? { tags: false, size: false } : checkFilter(rule.Filter!), prefixRule);
    return { ...rule, ID: id };
  });
}

/** Timestamps come back from the stored JSON as strings; the codec writes Dates. */
function revived(rules: LifecycleRule[]): LifecycleRule[] {
  return rules.map((rule) => ({
    ...rule,
    Expiration: rule.Expiration?.Date ? { ...rule.Expiration, Date: new Date(rule.Expiration.Date) } : rule.Expiration,
    Transitions: rule.Transitions?.map((t) => (t.Date ? { ...t, Date: new Date(t.Date) } : t)),
  }));
}

export function lifecycleHandlers(core: S3Core): Handlers {
  const { store } = core;
  return {
    PutBucketLifecycleConfiguration(input: PutBucketLifecycleConfigurationRequest, ctx: RequestContext): PutBucketLifecycleConfigurationOutput {
      const minimumSize = input.TransitionDefaultMinimumObjectSize ?? 'all_storage_classes_128K';
      if (!MINIMUM_OBJECT_SIZES.has(minimumSize)) throw e.invalidRequest(`Invalid TransitionDefaultMinimumObjectSize found: ${minimumSize}`);
      return store.tx(() => {
        const bucket = core.bucket(input.Bucket!, ctx.account);
        const lifecycle: StoredLifecycle = { Rules: checkedRules(input.LifecycleConfiguration?.Rules), TransitionDefaultMinimumObjectSize: minimumSize };
        store.setBucketConfig(bucket.name, 'lifecycle', JSON.stringify(lifecycle));
        return { TransitionDefaultMinimumObjectSize: minimumSize };
      });
    },

    GetBucketLifecycleConfiguration(input: GetBucketLifecycleConfigurationRequest, ctx: RequestContext): GetBucketLifecycleConfigurationOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      if (!bucket.lifecycle) throw e.noSuchLifecycleConfiguration(bucket.name);
      const lifecycle = JSON.parse(bucket.lifecycle) as StoredLifecycle;
      return withResponse({ Rules: revived(lifecycle.Rules), TransitionDefaultMinimumObjectSize: lifecycle.TransitionDefaultMinimumObjectSize }, { xmlRoot: 'LifecycleConfiguration' });
    },

    DeleteBucketLifecycle(input: DeleteBucketLifecycleRequest, ctx: RequestContext): void {
      store.tx(() => store.setBucketConfig(core.bucket(input.Bucket!, ctx.account).name, 'lifecycle', null));
    },
  };
}
