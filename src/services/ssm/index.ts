/**
 * SSM Parameter Store.
 *
 * Gaps: everything but PutParameter/GetParameter answers NotImplemented (501) for now.
 */
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../../protocol/types.js';
import { SsmStore } from './store.js';
import { createHandlers } from './handlers.js';

export const ssm: ServiceDefinition = {
  name: 'ssm',
  model: loadModel('ssm'),
  validationError: 'ValidationException',
  create(rt) {
    return { handlers: createHandlers(new SsmStore(rt.store), rt) };
  },
};
