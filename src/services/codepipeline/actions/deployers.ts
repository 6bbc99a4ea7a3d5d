/** The Deploy CloudFormation and Deploy S3 action providers. */
import type { ActionProvider } from './types.js';

export const DEPLOY_ACTIONS: ActionProvider[] = [];
