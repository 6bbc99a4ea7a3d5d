/**
 * STS: who is calling, and temporary credentials.
 *
 * Gaps: every operation but GetCallerIdentity answers NotImplemented (501) for now.
 */
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../../protocol/types.js';
import { createHandlers } from './handlers.js';

export const sts: ServiceDefinition = {
  name: 'sts',
  model: loadModel('sts'),
  validationError: 'ValidationError',
  create() {
    return { handlers: createHandlers() };
  },
};
