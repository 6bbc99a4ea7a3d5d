/** The Deploy CloudFormation and Deploy S3 action providers. */
import { cloudFormationDeployAction } from './cloudformation.js';
import { s3DeployAction } from './s3-deploy.js';
import type { ActionProvider } from './types.js';

export const DEPLOY_ACTIONS: ActionProvider[] = [cloudFormationDeployAction, s3DeployAction];
