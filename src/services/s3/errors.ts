/**
 * The S3 errors Drydock answers, with the status and extra elements AWS sends. Most are not
 * modelled in s3.json, so the status is given explicitly here rather than read from the model.
 */
import { AwsError } from '../../core/errors.js';

type Fields = Record<string, string | number | boolean>;

const err = (code: string, status: number, message: string, fields: Fields = {}, headers: Record<string, string> = {}) => new AwsError(code, message, { status, fields, headers });

export const noSuchBucket = (bucket: string) => err('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket });
export const noSuchKey = (key: string, headers: Record<string, string> = {}) => err('NoSuchKey', 404, 'The specified key does not exist.', { Key: key }, headers);
export const noSuchVersion = (key: string, versionId: string) => err('NoSuchVersion', 404, 'The specified version does not exist.', { Key: key, VersionId: versionId });
export const invalidVersionId = (versionId: string) => err('InvalidArgument', 400, 'Invalid version id specified', { ArgumentName: 'versionId', ArgumentValue: versionId });
export const noSuchUpload = (uploadId: string) =>
  err('NoSuchUpload', 404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId });
export const invalidBucketName = (bucket: string) => err('InvalidBucketName', 400, 'The specified bucket is not valid.', { BucketName: bucket });
export const bucketNotEmpty = (bucket: string) => err('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty', { BucketName: bucket });
export const bucketAlreadyOwnedByYou = (bucket: string) =>
  err('BucketAlreadyOwnedByYou', 409, 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: bucket });
export const bucketAlreadyExists = (bucket: string) =>
  err('BucketAlreadyExists', 409, 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.', {
    BucketName: bucket,
  });
export const accessDenied = () => err('AccessDenied', 403, 'Access Denied');
/** AccessDenied with the reason another service gave (KMS refusing the caller its key). */
export const accessDeniedBecause = (message: string) => err('AccessDenied', 403, message);
export const invalidArgument = (message: string, name?: string, value?: string) => err('InvalidArgument', 400, message, name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? '' });
export const invalidRequest = (message: string) => err('InvalidRequest', 400, message);
export const malformedXml = () => err('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema');
export const preconditionFailed = (condition: string) => err('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', { Condition: condition });
export const invalidRange = (range: string, size: number) =>
  err('InvalidRange', 416, 'The requested range is not satisfiable', { RangeRequested: range, ActualObjectSize: size }, { 'content-range': `bytes */${size}` });
export const invalidDigest = () => err('InvalidDigest', 400, 'The Content-MD5 you specified was invalid.');
export const badDigest = () => err('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.');
export const badChecksum = (algorithm: string) => err('BadDigest', 400, `The ${algorithm} you specified did not match the calculated checksum.`);
export const invalidChecksum = (algorithm: string) => err('InvalidRequest', 400, `Value for x-amz-checksum-${algorithm.toLowerCase()} header is invalid.`);
export const noSuchTagSet = (bucket: string) => err('NoSuchTagSet', 404, 'The TagSet does not exist', { BucketName: bucket });
export const noSuchBucketPolicy = (bucket: string) => err('NoSuchBucketPolicy', 404, 'The bucket policy does not exist', { BucketName: bucket });
export const malformedPolicy = (message: string) => err('MalformedPolicy', 400, message);
export const invalidTag = (message: string) => err('InvalidTag', 400, message);
export const entityTooSmall = (size: number, partNumber: number, etag: string) =>
  err('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed size', { ProposedSize: size, MinSizeAllowed: 5242880, PartNumber: partNumber, ETag: etag });
export const invalidPart = (uploadId: string, partNumber: number, etag: string) =>
  err('InvalidPart', 400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", {
    UploadId: uploadId,
    PartNumber: partNumber,
    ETag: etag,
  });
export const invalidPartOrder = (uploadId: string) => err('InvalidPartOrder', 400, 'The list of parts was not in ascending order. Parts must be ordered by part number.', { UploadId: uploadId });
/** GET/HEAD of a delete marker by version id. */
export const deleteMarkerNotAllowed = (method: string, versionId: string, lastModified: Date) =>
  err(
    'MethodNotAllowed',
    405,
    'The specified method is not allowed against this resource.',
    { Method: method, ResourceType: 'DeleteMarker' },
    {
      'x-amz-delete-marker': 'true',
      'x-amz-version-id': versionId,
      'last-modified': lastModified.toUTCString(),
      allow: 'DELETE',
    },
  );
export const illegalLocationConstraint = (constraint: string) =>
  err('IllegalLocationConstraintException', 400, `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`);
export const invalidLocationConstraint = () => err('InvalidLocationConstraint', 400, 'The specified location-constraint is not valid', { LocationConstraint: 'us-east-1' });
export const notImplementedChecksum = (algorithm: string) => err('NotImplemented', 501, `Drydock does not implement the ${algorithm} checksum algorithm yet; use CRC32, CRC32C, SHA1 or SHA256.`);
export const missingSecurityHeader = (header: string) => err('MissingSecurityHeader', 400, 'Your request was missing a required header', { MissingHeaderName: header });
export const unexpectedContent = () => err('UnexpectedContent', 400, 'This request does not support content');
export const malformedAcl = () => err('MalformedACLError', 400, 'The XML you provided was not well-formed or did not validate against our published schema');
export const unresolvableGrantByEmail = (email: string) => err('UnresolvableGrantByEmailAddress', 400, 'The email address you provided does not match any account on record.', { EmailAddress: email });
export const aclNotSupported = () => err('AccessControlListNotSupported', 400, 'The bucket does not allow ACLs');
export const invalidBucketAclWithObjectOwnership = () => err('InvalidBucketAclWithObjectOwnership', 400, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
export const invalidBucketAclWithBlockPublicAccess = () => err('InvalidBucketAclWithBlockPublicAccessError', 400, 'Bucket cannot have public ACLs set with BlockPublicAccess enabled');
export const noSuchCorsConfiguration = (bucket: string) => err('NoSuchCORSConfiguration', 404, 'The CORS configuration does not exist', { BucketName: bucket });
export const noSuchLifecycleConfiguration = (bucket: string) => err('NoSuchLifecycleConfiguration', 404, 'The lifecycle configuration does not exist', { BucketName: bucket });
export const noSuchWebsiteConfiguration = (bucket: string) => err('NoSuchWebsiteConfiguration', 404, 'The specified bucket does not have a website configuration', { BucketName: bucket });
export const ownershipControlsNotFound = (bucket: string) => err('OwnershipControlsNotFoundError', 404, 'The bucket ownership controls were not found', { BucketName: bucket });
export const noSuchPublicAccessBlock = (bucket: string) => err('NoSuchPublicAccessBlockConfiguration', 404, 'The public access block configuration was not found', { BucketName: bucket });
export const objectLockConfigurationNotFound = (bucket: string) => err('ObjectLockConfigurationNotFoundError', 404, 'Object Lock configuration does not exist for this bucket', { BucketName: bucket });
export const replicationConfigurationNotFound = (bucket: string) => err('ReplicationConfigurationNotFoundError', 404, 'The replication configuration was not found', { BucketName: bucket });
export const invalidTargetBucketForLogging = (message: string, target: string) => err('InvalidTargetBucketForLogging', 400, message, { TargetBucket: target });
export const crossLocationLoggingProhibited = (fields: Fields) => err('CrossLocationLoggingProhibitted', 403, 'Cross S3 location logging not allowed. ', fields);
export const notImplemented = (message: string) => err('NotImplemented', 501, message);
