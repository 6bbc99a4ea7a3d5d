/**
 * AWS::SecretsManager::SecretTargetAttachment: AWS writes the target database's engine, host,
 * port and name into the secret. Every TargetType names an RDS instance or cluster, a Redshift
 * cluster or a DocumentDB cluster, none of which Drydock has, so creating one fails with that
 * reason (never a pretended success); deleting one that never got created is a no-op.
 */
import { AwsError } from '../../../core/errors.js';
import { requiredStringProp } from './foundation-helpers.js';
import type { ResourceProvider } from './types.js';

export const secretsManagerSecretTargetAttachmentProvider: ResourceProvider = {
  async create(_ctx, props) {
    const targetType = requiredStringProp(props, 'TargetType');
    throw new AwsError('ValidationError', `Drydock has no ${targetType} to attach the secret to: RDS, Redshift and DocumentDB are not emulated.`);
  },

  async delete() {},
};
