/** The Source CodeCommit and Source S3 action providers. */
import type { ActionProvider } from './types.js';

export const SOURCE_ACTIONS: ActionProvider[] = [];
