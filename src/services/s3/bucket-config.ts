/**
 * Bucket configurations that tools read on every bucket: CORS, website, logging, transfer
 * acceleration, request payment, replication and object lock. Each is checked as S3 checks it,
 * stored, and read back; a Get of a configuration never set answers S3's not-found error (or,
 * for logging, acceleration and request payment, S3's empty or default document). What Drydock
 * does not act on is in the Gaps of index.ts.
 */
import { randomUUID } from 'node:crypto';
import type {
  CORSConfiguration,
  DeleteBucketCorsRequest,
  DeleteBucketReplicationRequest,
  DeleteBucketWebsiteRequest,
  GetBucketAccelerateConfigurationOutput,
  GetBucketAccelerateConfigurationRequest,
  GetBucketCorsOutput,
  GetBucketCorsRequest,
  GetBucketLoggingOutput,
  GetBucketLoggingRequest,
  GetBucketReplicationOutput,
  GetBucketReplicationRequest,
  GetBucketRequestPaymentOutput,
  GetBucketRequestPaymentRequest,
  GetBucketWebsiteOutput,
  GetBucketWebsiteRequest,
  GetObjectLockConfigurationOutput,
  GetObjectLockConfigurationRequest,
  LoggingEnabled,
  Payer,
  PutBucketAccelerateConfigurationRequest,
  PutBucketCorsRequest,
  PutBucketLoggingRequest,
  PutBucketReplicationRequest,
  PutBucketRequestPaymentRequest,
  PutBucketWebsiteRequest,
  Redirect,
  ReplicationConfiguration,
  WebsiteConfiguration,
} from '@aws-sdk/client-s3';
import { DEFAULT_REGION } from '../../core/accounts.js';
import { withResponse } from '../../protocol/codecs/rest-xml.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import type { S3Core } from './core.js';
import * as e from './errors.js';
import type { BucketRow } from './store.js';

const CORS_METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']);
const MAX_CORS_RULES = 100;
const STATUSES = new Set(['Enabled', 'Disabled']);
const BUCKET_ARN = /^arn:[\w-]+:s3:::([^/]+)$/;

const wildcards = (value: string) => value.split('*').length - 1;

function checkCors(config: CORSConfiguration | undefined): void {
  const rules = config?.CORSRules;
  if (!rules?.length || rules.length > MAX_CORS_RULES) throw e.malformedXml();
  for (const rule of rules) {
    if (!rule.AllowedMethods?.length || !rule.AllowedOrigins?.length) throw e.malformedXml();
    for (const method of rule.AllowedMethods) {
      if (!CORS_METHODS.has(method)) throw e.invalidRequest(`Found unsupported HTTP method in CORS config. Unsupported method is ${method}`);
    }
    for (const origin of rule.AllowedOrigins) {
      if (wildcards(origin) > 1) throw e.invalidRequest(`AllowedOrigin "${origin}" can not have more than one wildcard.`);
    }
    for (const header of rule.AllowedHeaders ?? []) {
      if (wildcards(header) > 1) throw e.invalidRequest(`AllowedHeader "${header}" can not have more than one wildcard.`);
    }
  }
}

function checkRedirectProtocol(redirect: { Protocol?: string } | undefined): void {
  const protocol = redirect?.Protocol;
  if (protocol !== undefined && protocol !== 'http' && protocol !== 'https') {
    throw e.invalidRequest('Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.');
  }
}

function checkRoutingRule(rule: { Condition?: object; Redirect?: Redirect }): void {
  if (!rule.Redirect) throw e.malformedXml();
  if (rule.Redirect.ReplaceKeyPrefixWith !== undefined && rule.Redirect.ReplaceKeyWith !== undefined) {
    throw e.invalidRequest('You can only define ReplaceKeyPrefix or ReplaceKey but not both.');
  }
  if (rule.Condition !== undefined && Object.keys(rule.Condition).length === 0) {
    throw e.invalidRequest("Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.");
  }
  checkRedirectProtocol(rule.Redirect);
}

function checkWebsite(config: WebsiteConfiguration | undefined): WebsiteConfiguration {
  if (!config) throw e.malformedXml();
  if (config.RedirectAllRequestsTo) {
    if (config.IndexDocument || config.ErrorDocument || config.RoutingRules) {
      throw e.invalidArgument('RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.', 'RedirectAllRequestsTo', 'not null');
    }
    if (!config.RedirectAllRequestsTo.HostName) throw e.malformedXml();
    checkRedirectProtocol(config.RedirectAllRequestsTo);
    return config;
  }
  if (!config.IndexDocument) throw e.invalidArgument('A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty', 'IndexDocument', 'null');
  const suffix = config.IndexDocument.Suffix;
  if (!suffix || suffix.includes('/')) throw e.invalidArgument('The IndexDocument Suffix is not well formed', 'IndexDocument', suffix ?? 'null');
  if (config.ErrorDocument && !config.ErrorDocument.Key) throw e.malformedXml();
  if (config.RoutingRules) {
    if (!config.RoutingRules.length) throw e.malformedXml();
    for (const rule of config.RoutingRules) checkRoutingRule(rule);
  }
  return config;
}

/** The logging target: an existing bucket of the same owner, in the same region. */
function checkLoggingTarget(core: S3Core, bucket: BucketRow, logging: LoggingEnabled): LoggingEnabled {
  if (!logging.TargetBucket) throw e.malformedXml();
  const target = core.store.getBucket(logging.TargetBucket);
  if (!target) throw e.invalidTargetBucketForLogging('The target bucket for logging does not exist', logging.TargetBucket);
  if (target.account !== bucket.account) throw e.invalidTargetBucketForLogging('The owner for the bucket to be logged and the target bucket must be the same.', logging.TargetBucket);
  if (target.region !== bucket.region) {
    throw e.crossLocationLoggingProhibited(bucket.region === DEFAULT_REGION ? { TargetBucketLocation: target.region } : { SourceBucketLocation: bucket.region, TargetBucketLocation: target.region });
  }
  // S3 no longer answers display names (since November 2025): a grantee's is not kept.
  const grants = logging.TargetGrants?.map(({ Grantee, Permission }) => ({ Grantee: Grantee && { ...Grantee, DisplayName: undefined }, Permission }));
  return { ...logging, TargetPrefix: logging.TargetPrefix ?? '', ...(grants ? { TargetGrants: grants } : {}) };
}

/** A replication configuration as S3 takes it from a versioned bucket: rules with IDs, each replicating to a versioned bucket. */
function checkReplication(core: S3Core, bucket: BucketRow, config: ReplicationConfiguration | undefined): ReplicationConfiguration {
  if (!config?.Role || !config.Rules?.length) throw e.malformedXml();
  if (bucket.versioning !== 'Enabled') throw e.invalidRequest("Versioning must be 'Enabled' on the bucket to apply a replication configuration");
  const rules = config.Rules.map((rule) => {
    if (!rule.Status || !STATUSES.has(rule.Status) || !rule.Destination?.Bucket) throw e.malformedXml();
    if (rule.Filter !== undefined && rule.Prefix !== undefined) throw e.malformedXml();
    if (rule.Filter !== undefined && !rule.DeleteMarkerReplication) {
      throw e.invalidRequest('DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema.');
    }
    const destination = core.store.getBucket(BUCKET_ARN.exec(rule.Destination.Bucket)?.[1] ?? '');
    // S3 answers the same whether the destination is missing or unversioned.
    if (destination?.versioning !== 'Enabled') throw e.invalidRequest('Destination bucket must have versioning enabled.');
    return { ...rule, ID: rule.ID ?? Buffer.from(randomUUID()).toString('base64') };
  });
  return { ...config, Rules: rules };
}

export function bucketConfigHandlers(core: S3Core): Handlers {
  const { store } = core;
  /** Runs `change` on the caller's bucket in one transaction. */
  const update = (name: string, ctx: RequestContext, change: (bucket: BucketRow) => void) => store.tx(() => change(core.bucket(name, ctx.account)));

  return {
    PutBucketCors(input: PutBucketCorsRequest, ctx: RequestContext): void {
      checkCors(input.CORSConfiguration);
      update(input.Bucket!, ctx, (bucket) => store.setBucketConfig(bucket.name, 'cors', JSON.stringify(input.CORSConfiguration!.CORSRules)));
    },

    GetBucketCors(input: GetBucketCorsRequest, ctx: RequestContext): GetBucketCorsOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      if (!bucket.cors) throw e.noSuchCorsConfiguration(bucket.name);
      return withResponse({ CORSRules: JSON.parse(bucket.cors) }, { xmlRoot: 'CORSConfiguration' });
    },

    DeleteBucketCors(input: DeleteBucketCorsRequest, ctx: RequestContext): void {
      update(input.Bucket!, ctx, (bucket) => store.setBucketConfig(bucket.name, 'cors', null));
    },

    PutBucketWebsite(input: PutBucketWebsiteRequest, ctx: RequestContext): void {
      const website = checkWebsite(input.WebsiteConfiguration);
      update(input.Bucket!, ctx, (bucket) => store.setBucketConfig(bucket.name, 'website', JSON.stringify(website)));
    },

    GetBucketWebsite(input: GetBucketWebsiteRequest, ctx: RequestContext): GetBucketWebsiteOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      if (!bucket.website) throw e.noSuchWebsiteConfiguration(bucket.name);
      return withResponse(JSON.parse(bucket.website) as GetBucketWebsiteOutput, { xmlRoot: 'WebsiteConfiguration' });
    },

    DeleteBucketWebsite(input: DeleteBucketWebsiteRequest, ctx: RequestContext): void {
      update(input.Bucket!, ctx, (bucket) => store.setBucketConfig(bucket.name, 'website', null));
    },

    PutBucketLogging(input: PutBucketLoggingRequest, ctx: RequestContext): void {
      const status = input.BucketLoggingStatus;
      if (!status) throw e.malformedXml();
      update(input.Bucket!, ctx, (bucket) => {
        // A status without LoggingEnabled turns logging off.
        const logging = status.LoggingEnabled ? JSON.stringify(checkLoggingTarget(core, bucket, status.LoggingEnabled)) : null;
        store.setBucketConfig(bucket.name, 'logging', logging);
      });
    },

    GetBucketLogging(input: GetBucketLoggingRequest, ctx: RequestContext): GetBucketLoggingOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      return withResponse(bucket.logging ? { LoggingEnabled: JSON.parse(bucket.logging) as LoggingEnabled } : {}, { xmlRoot: 'BucketLoggingStatus' });
    },

    PutBucketAccelerateConfiguration(input: PutBucketAccelerateConfigurationRequest, ctx: RequestContext): void {
      update(input.Bucket!, ctx, (bucket) => {
        if (bucket.name.includes('.')) throw e.invalidRequest('S3 Transfer Acceleration is not supported for buckets with periods (.) in their names');
        const status = input.AccelerateConfiguration?.Status;
        if (status !== 'Enabled' && status !== 'Suspended') throw e.malformedXml();
        store.setBucketConfig(bucket.name, 'accelerate', status);
      });
    },

    GetBucketAccelerateConfiguration(input: GetBucketAccelerateConfigurationRequest, ctx: RequestContext): GetBucketAccelerateConfigurationOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      return withResponse({ Status: (bucket.accelerate ?? undefined) as GetBucketAccelerateConfigurationOutput['Status'] }, { xmlRoot: 'AccelerateConfiguration' });
    },

    PutBucketRequestPayment(input: PutBucketRequestPaymentRequest, ctx: RequestContext): void {
      const payer = input.RequestPaymentConfiguration?.Payer;
      if (payer !== 'Requester' && payer !== 'BucketOwner') throw e.malformedXml();
      update(input.Bucket!, ctx, (bucket) => store.setBucketConfig(bucket.name, 'request_payment', payer));
    },

    GetBucketRequestPayment(input: GetBucketRequestPaymentRequest, ctx: RequestContext): GetBucketRequestPaymentOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      return withResponse({ Payer: (bucket.request_payment ?? 'BucketOwner') as Payer }, { xmlRoot: 'RequestPaymentConfiguration' });
    },

    /** Drydock creates no bucket with Object Lock (CreateBucket refuses ObjectLockEnabledForBucket), so none has a configuration. */
    GetObjectLockConfiguration(input: GetObjectLockConfigurationRequest, ctx: RequestContext): GetObjectLockConfigurationOutput {
      throw e.objectLockConfigurationNotFound(core.bucket(input.Bucket!, ctx.account).name);
    },

    PutBucketReplication(input: PutBucketReplicationRequest, ctx: RequestContext): void {
      update(input.Bucket!, ctx, (bucket) => store.setBucketConfig(bucket.name, 'replication', JSON.stringify(checkReplication(core, bucket, input.ReplicationConfiguration))));
    },

    GetBucketReplication(input: GetBucketReplicationRequest, ctx: RequestContext): GetBucketReplicationOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      if (!bucket.replication) throw e.replicationConfigurationNotFound(bucket.name);
      return { ReplicationConfiguration: JSON.parse(bucket.replication) as ReplicationConfiguration };
    },

    DeleteBucketReplication(input: DeleteBucketReplicationRequest, ctx: RequestContext): void {
      update(input.Bucket!, ctx, (bucket) => store.setBucketConfig(bucket.name, 'replication', null));
    },
  };
}
