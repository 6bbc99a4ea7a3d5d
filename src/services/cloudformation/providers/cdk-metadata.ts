/**
 * AWS::CDK::Metadata: the analytics resource the CDK puts in every stack it synthesizes (Analytics,
 * Modules). CloudFormation creates nothing for it in any service; its physical id is an id
 * CloudFormation generates (a UUID), Ref answers it, and it has no attributes. Updates keep the id; drift
 * detection does not check it (there is nothing to read).
 */
import { uuid } from '../../../core/ids.js';
import type { ResourceProvider } from './types.js';

export const cdkMetadataProvider: ResourceProvider = {
  create() {
    return Promise.resolve({ physicalId: uuid(), attributes: {} });
  },

  update(_ctx, current) {
    return Promise.resolve({ physicalId: current.physicalId, attributes: {} });
  },

  delete() {
    return Promise.resolve();
  },
};
