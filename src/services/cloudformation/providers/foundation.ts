/** Resource providers for S3, IAM, KMS, SSM and Secrets Manager, by resource type. */
import { s3BucketProvider } from './s3-bucket.js';
import { s3BucketPolicyProvider } from './s3-bucket-policy.js';
import { ssmParameterProvider } from './ssm-parameter.js';
import type { ResourceProvider } from './types.js';

export const FOUNDATION_PROVIDERS: Record<string, ResourceProvider> = {
  'AWS::S3::Bucket': s3BucketProvider,
  'AWS::S3::BucketPolicy': s3BucketPolicyProvider,
  'AWS::SSM::Parameter': ssmParameterProvider,
};
