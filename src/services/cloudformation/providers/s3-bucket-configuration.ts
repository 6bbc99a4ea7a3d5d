/**
 * AWS::S3::Bucket's configuration properties, each mapped onto the S3 operation that sets it and
 * the one that removes it. CloudFormation's property shapes differ from the API's in names
 * (`Id`/`ID`, `MaxAge`/`MaxAgeSeconds`, one `Event` per notification against `Events` …), so each
 * mapping rebuilds the API shape from the template's.
 */
import { AwsError } from '../../../core/errors.js';
import type { ServiceCall } from '../../contracts.js';
import { booleanProp, integerProp, listOfObjectsProp, objectProp, stringListProp, stringProp, tagListProp } from './foundation-helpers.js';
import type { Properties } from './types.js';

/**
 * One bucket property: the call that applies it, and the call that removes it (undefined when
 * nothing needs undoing). `value` is the property when it is an object (else empty: Tags and
 * AccessControl read theirs from `all`, the whole property set).
 */
interface BucketConfiguration {
  property: string;
  put(bucket: string, value: Properties, all: Properties): ServiceCall;
  remove(bucket: string, previous: Properties): ServiceCall | undefined;
}

/** AccessControl's values (CloudFormation's canned ACL names) as S3's x-amz-acl names them. */
const CANNED_ACLS: Record<string, string> = {
  Private: 'private',
  PublicRead: 'public-read',
  PublicReadWrite: 'public-read-write',
  AuthenticatedRead: 'authenticated-read',
  LogDeliveryWrite: 'log-delivery-write',
  BucketOwnerRead: 'bucket-owner-read',
  BucketOwnerFullControl: 'bucket-owner-full-control',
  AwsExecRead: 'aws-exec-read',
};

export function cannedAcl(props: Properties): string | undefined {
  const value = stringProp(props, 'AccessControl');
  if (value === undefined) return undefined;
  const acl = CANNED_ACLS[value];
  if (!acl) throw new AwsError('ValidationError', `Value of property AccessControl must be one of ${Object.keys(CANNED_ACLS).join(', ')}`);
  return acl;
}

/** A property's value as the `value` argument of put and remove. */
export function sectionOf(props: Properties, property: string): Properties {
  const value = props[property];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Properties) : {};
}

const s3 = (operation: string, input: Record<string, unknown>): ServiceCall => ({ service: 's3', operation, input });

/** Drops undefined members so the API sees only what the template set. */
function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const objects = (props: Properties, name: string): Properties[] => listOfObjectsProp(props, name) ?? [];

function tagSet(props: Properties, name: string) {
  return tagListProp(props, name);
}

function dateProp(props: Properties, name: string): Date | undefined {
  const text = stringProp(props, name);
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new AwsError('ValidationError', `Value of property ${name} must be a timestamp`);
  return date;
}

function lifecycleFilter(rule: Properties): Record<string, unknown> {
  const prefix = stringProp(rule, 'Prefix');
  const tags = tagSet(rule, 'TagFilters') ?? [];
  const greater = integerProp(rule, 'ObjectSizeGreaterThan');
  const less = integerProp(rule, 'ObjectSizeLessThan');
  const count = (prefix !== undefined ? 1 : 0) + tags.length + (greater !== undefined ? 1 : 0) + (less !== undefined ? 1 : 0);
  if (count > 1) return { And: defined({ Prefix: prefix, Tags: tags.length ? tags : undefined, ObjectSizeGreaterThan: greater, ObjectSizeLessThan: less }) };
  if (tags.length === 1) return { Tag: tags[0] };
  if (greater !== undefined) return { ObjectSizeGreaterThan: greater };
  if (less !== undefined) return { ObjectSizeLessThan: less };
  return { Prefix: prefix ?? '' };
}

function transition(value: Properties) {
  return defined({ StorageClass: stringProp(value, 'StorageClass'), Days: integerProp(value, 'TransitionInDays'), Date: dateProp(value, 'TransitionDate') });
}

function noncurrentTransition(value: Properties) {
  return defined({
    StorageClass: stringProp(value, 'StorageClass'),
    NoncurrentDays: integerProp(value, 'TransitionInDays'),
    NewerNoncurrentVersions: integerProp(value, 'NewerNoncurrentVersions'),
  });
}

function lifecycleRule(rule: Properties) {
  const expiration = defined({
    Days: integerProp(rule, 'ExpirationInDays'),
    Date: dateProp(rule, 'ExpirationDate'),
    ExpiredObjectDeleteMarker: booleanProp(rule, 'ExpiredObjectDeleteMarker'),
  });
  const transitions = [...objects(rule, 'Transitions'), ...(objectProp(rule, 'Transition') ? [objectProp(rule, 'Transition') as Properties] : [])];
  const noncurrentTransitions = [
    ...objects(rule, 'NoncurrentVersionTransitions'),
    ...(objectProp(rule, 'NoncurrentVersionTransition') ? [objectProp(rule, 'NoncurrentVersionTransition') as Properties] : []),
  ];
  const noncurrentExpiration = objectProp(rule, 'NoncurrentVersionExpiration');
  const noncurrentDays = integerProp(rule, 'NoncurrentVersionExpirationInDays');
  const abort = objectProp(rule, 'AbortIncompleteMultipartUpload');
  return defined({
    ID: stringProp(rule, 'Id'),
    Status: stringProp(rule, 'Status'),
    Filter: lifecycleFilter(rule),
    Expiration: Object.keys(expiration).length ? expiration : undefined,
    Transitions: transitions.length ? transitions.map(transition) : undefined,
    NoncurrentVersionTransitions: noncurrentTransitions.length ? noncurrentTransitions.map(noncurrentTransition) : undefined,
    NoncurrentVersionExpiration: noncurrentExpiration
      ? defined({ NoncurrentDays: integerProp(noncurrentExpiration, 'NoncurrentDays'), NewerNoncurrentVersions: integerProp(noncurrentExpiration, 'NewerNoncurrentVersions') })
      : noncurrentDays !== undefined
        ? { NoncurrentDays: noncurrentDays }
        : undefined,
    AbortIncompleteMultipartUpload: abort ? { DaysAfterInitiation: integerProp(abort, 'DaysAfterInitiation') } : undefined,
  });
}

function notificationFilter(config: Properties) {
  const rules = objects(objectProp(objectProp(config, 'Filter') ?? {}, 'S3Key') ?? {}, 'Rules');
  return rules.length ? { Key: { FilterRules: rules.map((rule) => ({ Name: stringProp(rule, 'Name'), Value: stringProp(rule, 'Value') })) } } : undefined;
}

function notificationTargets(value: Properties, property: string, arnMember: string, targetProperty: string) {
  const configs = objects(value, property);
  return configs.length ? configs.map((config) => defined({ [arnMember]: stringProp(config, targetProperty), Events: [stringProp(config, 'Event')], Filter: notificationFilter(config) })) : undefined;
}

function replicationFilter(filter: Properties | undefined) {
  if (!filter) return undefined;
  const and = objectProp(filter, 'And');
  const tag = objectProp(filter, 'TagFilter');
  return defined({
    Prefix: stringProp(filter, 'Prefix'),
    Tag: tag ? { Key: stringProp(tag, 'Key'), Value: stringProp(tag, 'Value') } : undefined,
    And: and ? defined({ Prefix: stringProp(and, 'Prefix'), Tags: tagSet(and, 'TagFilters') }) : undefined,
  });
}

function replicationRule(rule: Properties) {
  return defined({
    ID: stringProp(rule, 'Id'),
    Status: stringProp(rule, 'Status'),
    Priority: integerProp(rule, 'Priority'),
    Prefix: stringProp(rule, 'Prefix'),
    Filter: replicationFilter(objectProp(rule, 'Filter')),
    Destination: objectProp(rule, 'Destination'),
    DeleteMarkerReplication: objectProp(rule, 'DeleteMarkerReplication'),
    SourceSelectionCriteria: objectProp(rule, 'SourceSelectionCriteria'),
  });
}

function websiteConfiguration(value: Properties) {
  const index = stringProp(value, 'IndexDocument');
  const error = stringProp(value, 'ErrorDocument');
  const rules = objects(value, 'RoutingRules');
  return defined({
    IndexDocument: index !== undefined ? { Suffix: index } : undefined,
    ErrorDocument: error !== undefined ? { Key: error } : undefined,
    RedirectAllRequestsTo: objectProp(value, 'RedirectAllRequestsTo'),
    RoutingRules: rules.length
      ? rules.map((rule) => {
          const redirect = objectProp(rule, 'RedirectRule') ?? {};
          const httpCode = stringProp(redirect, 'HttpRedirectCode');
          return defined({ Redirect: defined({ ...redirect, HttpRedirectCode: httpCode }), Condition: objectProp(rule, 'RoutingRuleCondition') });
        })
      : undefined,
  });
}

/** In the order they are applied: versioning before the replication and lifecycle rules that depend on it, ownership before ACLs. */
export const BUCKET_CONFIGURATIONS: BucketConfiguration[] = [
  {
    property: 'Tags',
    put: (bucket, _value, all) => s3('PutBucketTagging', { Bucket: bucket, Tagging: { TagSet: tagListProp(all) ?? [] } }),
    remove: (bucket) => s3('DeleteBucketTagging', { Bucket: bucket }),
  },
  {
    property: 'VersioningConfiguration',
    put: (bucket, value) => s3('PutBucketVersioning', { Bucket: bucket, VersioningConfiguration: { Status: stringProp(value, 'Status') } }),
    // A bucket once versioned can only be suspended.
    remove: (bucket, previous) => (stringProp(previous, 'Status') === 'Enabled' ? s3('PutBucketVersioning', { Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }) : undefined),
  },
  {
    property: 'OwnershipControls',
    put: (bucket, value) =>
      s3('PutBucketOwnershipControls', { Bucket: bucket, OwnershipControls: { Rules: objects(value, 'Rules').map((rule) => ({ ObjectOwnership: stringProp(rule, 'ObjectOwnership') })) } }),
    remove: (bucket) => s3('DeleteBucketOwnershipControls', { Bucket: bucket }),
  },
  {
    // CreateBucket sets it on create; on update, after OwnershipControls, which may allow ACLs first.
    property: 'AccessControl',
    put: (bucket, _value, all) => s3('PutBucketAcl', { Bucket: bucket, ACL: cannedAcl(all) }),
    remove: (bucket) => s3('PutBucketAcl', { Bucket: bucket, ACL: 'private' }),
  },
  {
    property: 'PublicAccessBlockConfiguration',
    put: (bucket, value) =>
      s3('PutPublicAccessBlock', {
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: booleanProp(value, 'BlockPublicAcls') ?? false,
          BlockPublicPolicy: booleanProp(value, 'BlockPublicPolicy') ?? false,
          IgnorePublicAcls: booleanProp(value, 'IgnorePublicAcls') ?? false,
          RestrictPublicBuckets: booleanProp(value, 'RestrictPublicBuckets') ?? false,
        },
      }),
    remove: (bucket) => s3('DeletePublicAccessBlock', { Bucket: bucket }),
  },
  {
    property: 'BucketEncryption',
    put: (bucket, value) =>
      s3('PutBucketEncryption', {
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: objects(value, 'ServerSideEncryptionConfiguration').map((rule) => {
            const byDefault = objectProp(rule, 'ServerSideEncryptionByDefault');
            return defined({
              ApplyServerSideEncryptionByDefault: byDefault ? defined({ SSEAlgorithm: stringProp(byDefault, 'SSEAlgorithm'), KMSMasterKeyID: stringProp(byDefault, 'KMSMasterKeyID') }) : undefined,
              BucketKeyEnabled: booleanProp(rule, 'BucketKeyEnabled'),
            });
          }),
        },
      }),
    remove: (bucket) => s3('DeleteBucketEncryption', { Bucket: bucket }),
  },
  {
    property: 'CorsConfiguration',
    put: (bucket, value) =>
      s3('PutBucketCors', {
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: objects(value, 'CorsRules').map((rule) =>
            defined({
              ID: stringProp(rule, 'Id'),
              AllowedHeaders: stringListProp(rule, 'AllowedHeaders'),
              AllowedMethods: stringListProp(rule, 'AllowedMethods'),
              AllowedOrigins: stringListProp(rule, 'AllowedOrigins'),
              ExposeHeaders: stringListProp(rule, 'ExposedHeaders'),
              MaxAgeSeconds: integerProp(rule, 'MaxAge'),
            }),
          ),
        },
      }),
    remove: (bucket) => s3('DeleteBucketCors', { Bucket: bucket }),
  },
  {
    property: 'LifecycleConfiguration',
    put: (bucket, value) =>
      s3('PutBucketLifecycleConfiguration', {
        Bucket: bucket,
        TransitionDefaultMinimumObjectSize: stringProp(value, 'TransitionDefaultMinimumObjectSize'),
        LifecycleConfiguration: { Rules: objects(value, 'Rules').map(lifecycleRule) },
      }),
    remove: (bucket) => s3('DeleteBucketLifecycle', { Bucket: bucket }),
  },
  {
    property: 'WebsiteConfiguration',
    put: (bucket, value) => s3('PutBucketWebsite', { Bucket: bucket, WebsiteConfiguration: websiteConfiguration(value) }),
    remove: (bucket) => s3('DeleteBucketWebsite', { Bucket: bucket }),
  },
  {
    property: 'LoggingConfiguration',
    // Without a destination, S3 writes the access logs into the bucket itself.
    put: (bucket, value) =>
      s3('PutBucketLogging', {
        Bucket: bucket,
        BucketLoggingStatus: {
          LoggingEnabled: defined({
            TargetBucket: stringProp(value, 'DestinationBucketName') ?? bucket,
            TargetPrefix: stringProp(value, 'LogFilePrefix') ?? '',
            TargetObjectKeyFormat: objectProp(value, 'TargetObjectKeyFormat'),
          }),
        },
      }),
    remove: (bucket) => s3('PutBucketLogging', { Bucket: bucket, BucketLoggingStatus: {} }),
  },
  {
    property: 'AccelerateConfiguration',
    put: (bucket, value) => s3('PutBucketAccelerateConfiguration', { Bucket: bucket, AccelerateConfiguration: { Status: stringProp(value, 'AccelerationStatus') } }),
    remove: (bucket) => s3('PutBucketAccelerateConfiguration', { Bucket: bucket, AccelerateConfiguration: { Status: 'Suspended' } }),
  },
  {
    property: 'ReplicationConfiguration',
    put: (bucket, value) => s3('PutBucketReplication', { Bucket: bucket, ReplicationConfiguration: { Role: stringProp(value, 'Role'), Rules: objects(value, 'Rules').map(replicationRule) } }),
    remove: (bucket) => s3('DeleteBucketReplication', { Bucket: bucket }),
  },
  {
    property: 'NotificationConfiguration',
    put: (bucket, value) => {
      const eventBridge = booleanProp(objectProp(value, 'EventBridgeConfiguration') ?? {}, 'EventBridgeEnabled');
      return s3('PutBucketNotificationConfiguration', {
        Bucket: bucket,
        NotificationConfiguration: defined({
          TopicConfigurations: notificationTargets(value, 'TopicConfigurations', 'TopicArn', 'Topic'),
          QueueConfigurations: notificationTargets(value, 'QueueConfigurations', 'QueueArn', 'Queue'),
          LambdaFunctionConfigurations: notificationTargets(value, 'LambdaConfigurations', 'LambdaFunctionArn', 'Function'),
          EventBridgeConfiguration: eventBridge ? {} : undefined,
        }),
      });
    },
    remove: (bucket) => s3('PutBucketNotificationConfiguration', { Bucket: bucket, NotificationConfiguration: {} }),
  },
];

/** Properties CreateBucket itself sets, so creation skips their configuration call. */
export const SET_BY_CREATE_BUCKET = new Set(['AccessControl', 'OwnershipControls']);
