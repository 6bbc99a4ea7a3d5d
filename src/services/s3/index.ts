/**
 * s3: model binding.
 *
 * Gaps: every operation answers NotImplemented (501) until its handler lands.
 */
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../../protocol/types.js';

export const s3: ServiceDefinition = {
  name: 's3',
  model: loadModel('s3'),
  validationError: false,
  create() {
    return { handlers: {} };
  },
};
