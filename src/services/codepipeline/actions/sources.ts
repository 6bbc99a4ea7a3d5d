/** The Source CodeCommit and Source S3 action providers. */
import { codeCommitSource } from './source-codecommit.js';
import { s3Source } from './source-s3.js';
import type { ActionProvider } from './types.js';

export const SOURCE_ACTIONS: ActionProvider[] = [codeCommitSource, s3Source];
