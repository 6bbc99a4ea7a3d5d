/**
 * The typed registry of services as other code sees them: each service's operations (typed by the
 * AWS SDK's own input and output shapes, which are generated from the same models Drydock serves)
 * and each service's public `api`. Type-only: nothing here exists at run time. A new service adds
 * one line to each map (see CONTRIBUTING.md).
 */

import type * as CloudFormation from '@aws-sdk/client-cloudformation';
import type * as Logs from '@aws-sdk/client-cloudwatch-logs';
import type * as CodeBuild from '@aws-sdk/client-codebuild';
import type * as CodeCommit from '@aws-sdk/client-codecommit';
import type * as CodePipeline from '@aws-sdk/client-codepipeline';
import type * as Ecr from '@aws-sdk/client-ecr';
import type * as EventBridge from '@aws-sdk/client-eventbridge';
import type * as Iam from '@aws-sdk/client-iam';
import type * as Kms from '@aws-sdk/client-kms';
import type * as Lambda from '@aws-sdk/client-lambda';
import type * as S3 from '@aws-sdk/client-s3';
import type * as SecretsManager from '@aws-sdk/client-secrets-manager';
import type * as Sns from '@aws-sdk/client-sns';
import type * as Sqs from '@aws-sdk/client-sqs';
import type * as Ssm from '@aws-sdk/client-ssm';
import type * as Sts from '@aws-sdk/client-sts';
import type { CodeCommitApi } from './codecommit/index.js';
import type { IamApi } from './iam/index.js';
import type { KmsApi } from './kms/index.js';
import type { LogsApi } from './logs/index.js';
import type { S3Api } from './s3/index.js';

/** Each service's SDK module, keyed by its SERVICES name: the source of its operations' types. */
interface ServiceModules {
  cloudformation: typeof CloudFormation;
  codebuild: typeof CodeBuild;
  codecommit: typeof CodeCommit;
  codepipeline: typeof CodePipeline;
  ecr: typeof Ecr;
  events: typeof EventBridge;
  iam: typeof Iam;
  kms: typeof Kms;
  lambda: typeof Lambda;
  logs: typeof Logs;
  s3: typeof S3;
  secretsmanager: typeof SecretsManager;
  sns: typeof Sns;
  sqs: typeof Sqs;
  ssm: typeof Ssm;
  sts: typeof Sts;
}

/** The public interfaces services offer each other, keyed by SERVICES name. */
export interface ServiceApis {
  codecommit: CodeCommitApi;
  iam: IamApi;
  kms: KmsApi;
  logs: LogsApi;
  s3: S3Api;
}

export type CallableService = keyof ServiceModules;

type CommandOf<S extends CallableService, O extends string> = ServiceModules[S][`${O}Command` & keyof ServiceModules[S]];

/** The operations of a service: every `<Operation>Command` its SDK module exports. */
export type OperationOf<S extends CallableService> = {
  [K in keyof ServiceModules[S]]: K extends `${infer O}Command` ? (ServiceModules[S][K] extends abstract new (input: never) => unknown ? O : never) : never;
}[keyof ServiceModules[S]] &
  string;

/** The operation's input (operations whose input is all optional take `new Command()` with no argument: their input is still an object). */
export type InputOf<S extends CallableService, O extends string> = CommandOf<S, O> extends new (...args: infer A) => unknown ? NonNullable<A[0]> : never;

/** The operation's output as its handler returns it (the SDK's output without the client's `$metadata`). */
export type OutputOf<S extends CallableService, O extends string> =
  CommandOf<S, O> extends new (input: never) => { resolveMiddleware(...args: never[]): (...args: never[]) => Promise<{ output: infer Out }> } ? Omit<Out, '$metadata'> : never;
