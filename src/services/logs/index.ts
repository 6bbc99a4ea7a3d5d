/**
 * logs: model binding.
 *
 * Gaps: every operation answers NotImplemented (501) until its handler lands.
 */
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../../protocol/types.js';

export const logs: ServiceDefinition = {
  name: 'logs',
  model: loadModel('logs'),
  validationError: 'ValidationException',
  create() {
    return { handlers: {} };
  },
};
