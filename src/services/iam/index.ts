/**
 * iam: model binding.
 *
 * Gaps: every operation answers NotImplemented (501) until its handler lands.
 */
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../../protocol/types.js';

export const iam: ServiceDefinition = {
  name: 'iam',
  model: loadModel('iam'),
  validationError: 'ValidationError',
  create() {
    return { handlers: {} };
  },
};
