/**
 * A bucket's access settings beside its policy: Object Ownership (whether ACLs apply at all) and
 * the public access block. New buckets get S3's defaults since April 2023, BucketOwnerEnforced and
 * every block on; deleting either leaves the bucket without it, and the Get answers S3's not-found.
 */
import type {
  DeleteBucketOwnershipControlsRequest,
  DeletePublicAccessBlockRequest,
  GetBucketOwnershipControlsOutput,
  GetBucketOwnershipControlsRequest,
  GetPublicAccessBlockOutput,
  GetPublicAccessBlockRequest,
  PutBucketOwnershipControlsRequest,
  PutPublicAccessBlockRequest,
} from '@aws-sdk/client-s3';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { type Acl, ENFORCED, OBJECT_OWNERSHIPS, onlyOwnerFullControl, type PublicAccessBlock } from './acl.js';
import type { S3Core } from './core.js';
import * as e from './errors.js';

export function accessSettingsHandlers(core: S3Core): Handlers {
  const { store } = core;
  return {
    PutBucketOwnershipControls(input: PutBucketOwnershipControlsRequest, ctx: RequestContext): void {
      const rules = input.OwnershipControls?.Rules;
      const ownership = rules?.length === 1 ? rules[0].ObjectOwnership : undefined;
      if (ownership === undefined || !OBJECT_OWNERSHIPS.has(ownership)) throw e.malformedXml();
      store.tx(() => {
        const bucket = core.bucket(input.Bucket!, ctx.account);
        // ACLs can be disabled only once the bucket's own ACL grants nobody but its owner.
        if (ownership === ENFORCED && bucket.acl && !onlyOwnerFullControl(JSON.parse(bucket.acl) as Acl, bucket.account)) throw e.invalidBucketAclWithObjectOwnership();
        store.setBucketConfig(bucket.name, 'ownership', ownership);
      });
    },

    GetBucketOwnershipControls(input: GetBucketOwnershipControlsRequest, ctx: RequestContext): GetBucketOwnershipControlsOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      if (!bucket.ownership) throw e.ownershipControlsNotFound(bucket.name);
      return { OwnershipControls: { Rules: [{ ObjectOwnership: bucket.ownership as 'BucketOwnerEnforced' }] } };
    },

    DeleteBucketOwnershipControls(input: DeleteBucketOwnershipControlsRequest, ctx: RequestContext): void {
      store.tx(() => store.setBucketConfig(core.bucket(input.Bucket!, ctx.account).name, 'ownership', null));
    },

    PutPublicAccessBlock(input: PutPublicAccessBlockRequest, ctx: RequestContext): void {
      const config = input.PublicAccessBlockConfiguration;
      if (!config) throw e.malformedXml();
      // A setting left out is off.
      const block: PublicAccessBlock = {
        BlockPublicAcls: config.BlockPublicAcls ?? false,
        IgnorePublicAcls: config.IgnorePublicAcls ?? false,
        BlockPublicPolicy: config.BlockPublicPolicy ?? false,
        RestrictPublicBuckets: config.RestrictPublicBuckets ?? false,
      };
      store.tx(() => store.setBucketConfig(core.bucket(input.Bucket!, ctx.account).name, 'public_access_block', JSON.stringify(block)));
    },

    GetPublicAccessBlock(input: GetPublicAccessBlockRequest, ctx: RequestContext): GetPublicAccessBlockOutput {
      const bucket = core.bucket(input.Bucket!, ctx.account);
      if (!bucket.public_access_block) throw e.noSuchPublicAccessBlock(bucket.name);
      return { PublicAccessBlockConfiguration: JSON.parse(bucket.public_access_block) as PublicAccessBlock };
    },

    DeletePublicAccessBlock(input: DeletePublicAccessBlockRequest, ctx: RequestContext): void {
      store.tx(() => store.setBucketConfig(core.bucket(input.Bucket!, ctx.account).name, 'public_access_block', null));
    },
  };
}
