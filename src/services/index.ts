/** Every service Drydock serves, by folder name. Adding a service: see CONTRIBUTING.md. */

import { cloudformation } from './cloudformation/index.js';
import { codebuild } from './codebuild/index.js';
import { codecommit } from './codecommit/index.js';
import { codepipeline } from './codepipeline/index.js';
import type { ServiceDefinition } from './contracts.js';
import { ecr } from './ecr/index.js';
import { events } from './events/index.js';
import { iam } from './iam/index.js';
import { kms } from './kms/index.js';
import { lambda } from './lambda/index.js';
import { logs } from './logs/index.js';
import { s3 } from './s3/index.js';
import { secretsmanager } from './secretsmanager/index.js';
import { sns } from './sns/index.js';
import { sqs } from './sqs/index.js';
import { ssm } from './ssm/index.js';
import { sts } from './sts/index.js';

export const SERVICES: Record<string, ServiceDefinition> = { sts, iam, s3, kms, ssm, secretsmanager, logs, codecommit, codebuild, events, sqs, sns, lambda, ecr, cloudformation, codepipeline };
