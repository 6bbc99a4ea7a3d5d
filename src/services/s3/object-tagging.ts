/** S3 object tags: Put/Get/DeleteObjectTagging on the current or a given version. */
import type { DeleteObjectTaggingOutput, DeleteObjectTaggingRequest, GetObjectTaggingOutput, GetObjectTaggingRequest, PutObjectTaggingOutput, PutObjectTaggingRequest } from '@aws-sdk/client-s3';
import { withResponse } from '../../protocol/codecs/rest-xml.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { NULL_VERSION, type ObjectEvent, type S3Core, unquoteEtag, validateTags } from './core.js';
import * as e from './errors.js';
import { originOf } from './notification-delivery.js';
import type { ObjectRow } from './store.js';

/** Notifies a change to a version's tags or ACL (records carry its ETag and version). */
export function objectEvent(core: S3Core, row: ObjectRow, event: ObjectEvent): void {
  const bucket = core.store.getBucket(row.bucket)!;
  core.objectChanged(bucket, event, { key: row.key, etag: unquoteEtag(row.etag), versionId: bucket.versioning ? row.version_id : undefined });
}

export function objectTaggingHandlers(core: S3Core): Handlers {
  const { store } = core;
  return {
    PutObjectTagging(input: PutObjectTaggingRequest, ctx: RequestContext): PutObjectTaggingOutput {
      if (!input.Tagging?.TagSet) throw e.malformedXml();
      const tags = validateTags(input.Tagging.TagSet, 10, 'Object');
      return store.tx(() => {
        const row = core.readable(input.Bucket!, input.Key!, ctx.account, 'PUT', input.VersionId);
        store.setObjectTags(row, JSON.stringify(tags));
        objectEvent(core, row, { name: 'ObjectTagging:Put', origin: originOf(ctx) });
        return { VersionId: row.version_id !== NULL_VERSION ? row.version_id : undefined };
      });
    },

    GetObjectTagging(input: GetObjectTaggingRequest, ctx: RequestContext): GetObjectTaggingOutput {
      const row = core.readable(input.Bucket!, input.Key!, ctx.account, 'GET', input.VersionId);
      return withResponse({ TagSet: JSON.parse(row.tags), VersionId: row.version_id !== NULL_VERSION ? row.version_id : undefined }, { xmlRoot: 'Tagging' });
    },

    DeleteObjectTagging(input: DeleteObjectTaggingRequest, ctx: RequestContext): DeleteObjectTaggingOutput {
      return store.tx(() => {
        const row = core.readable(input.Bucket!, input.Key!, ctx.account, 'DELETE', input.VersionId);
        store.setObjectTags(row, '[]');
        objectEvent(core, row, { name: 'ObjectTagging:Delete', origin: originOf(ctx) });
        return { VersionId: row.version_id !== NULL_VERSION ? row.version_id : undefined };
      });
    },
  };
}
