/** Resource providers for S3, IAM, KMS, SSM and Secrets Manager, by resource type. */
import { cdkMetadataProvider } from './cdk-metadata.js';
import { iamAccessKeyProvider } from './iam-access-key.js';
import { iamGroupProvider } from './iam-group.js';
import { iamInstanceProfileProvider } from './iam-instance-profile.js';
import { iamManagedPolicyProvider } from './iam-managed-policy.js';
import { iamPolicyProvider } from './iam-policy.js';
import { iamRoleProvider } from './iam-role.js';
import { iamUserProvider } from './iam-user.js';
import { iamUserToGroupAdditionProvider } from './iam-user-to-group-addition.js';
import { kmsAliasProvider } from './kms-alias.js';
import { kmsKeyProvider } from './kms-key.js';
import { s3BucketProvider } from './s3-bucket.js';
import { s3BucketPolicyProvider } from './s3-bucket-policy.js';
import { secretsManagerResourcePolicyProvider } from './secretsmanager-resource-policy.js';
import { secretsManagerRotationScheduleProvider } from './secretsmanager-rotation-schedule.js';
import { secretsManagerSecretProvider } from './secretsmanager-secret.js';
import { secretsManagerSecretTargetAttachmentProvider } from './secretsmanager-secret-target-attachment.js';
import { ssmParameterProvider } from './ssm-parameter.js';
import type { ResourceProvider } from './types.js';

export const FOUNDATION_PROVIDERS: Record<string, ResourceProvider> = {
  'AWS::CDK::Metadata': cdkMetadataProvider,
  'AWS::IAM::AccessKey': iamAccessKeyProvider,
  'AWS::IAM::Group': iamGroupProvider,
  'AWS::IAM::InstanceProfile': iamInstanceProfileProvider,
  'AWS::IAM::ManagedPolicy': iamManagedPolicyProvider,
  'AWS::IAM::Policy': iamPolicyProvider,
  'AWS::IAM::Role': iamRoleProvider,
  'AWS::IAM::User': iamUserProvider,
  'AWS::IAM::UserToGroupAddition': iamUserToGroupAdditionProvider,
  'AWS::KMS::Alias': kmsAliasProvider,
  'AWS::KMS::Key': kmsKeyProvider,
  'AWS::S3::Bucket': s3BucketProvider,
  'AWS::S3::BucketPolicy': s3BucketPolicyProvider,
  'AWS::SecretsManager::ResourcePolicy': secretsManagerResourcePolicyProvider,
  'AWS::SecretsManager::RotationSchedule': secretsManagerRotationScheduleProvider,
  'AWS::SecretsManager::Secret': secretsManagerSecretProvider,
  'AWS::SecretsManager::SecretTargetAttachment': secretsManagerSecretTargetAttachmentProvider,
  'AWS::SSM::Parameter': ssmParameterProvider,
};
