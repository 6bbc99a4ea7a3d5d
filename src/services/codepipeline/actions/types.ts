/**
 * The action provider interface: how the CodePipeline execution engine runs one action. Each
 * built-in provider (Source CodeCommit, Build CodeBuild, Approval Manual, Invoke Lambda, Deploy
 * CloudFormation, Deploy S3 …) is one file in `actions/` that does its work through the owning
 * service's operations (`ctx.call`, acting as the pipeline's service role, or the action's RoleArn
 * when it has one), reads and writes artifacts through `ctx`, and answers or throws. Custom actions
 * (job workers) are the engine's own provider. Registered in ACTION_PROVIDERS (`actions/index.ts`).
 *
 * Durability: an execution is a durable job. A provider whose action waits on something long (a
 * build, an approval, a stack) saves what it needs to find it again with `ctx.checkpoint()` before
 * waiting; after a restart the engine calls `run` again with `ctx.saved` set to the last
 * checkpoint, and the provider reattaches (or fails explicitly) instead of starting the work twice.
 */
import type { Clock } from '../../../core/clock.js';
import type { InProcessCaller, Runtime, ServiceCall } from '../../contracts.js';
import type { CallableService, InputOf, OperationOf, OutputOf } from '../../registry.js';

/** How the model names an action type. */
export interface ActionTypeId {
  category: 'Source' | 'Build' | 'Deploy' | 'Test' | 'Invoke' | 'Approval' | 'Compute';
  owner: 'AWS' | 'ThirdParty' | 'Custom';
  provider: string;
  version: string;
}

/** An artifact in the artifact store: a zip object in the pipeline's S3 bucket (versioned). */
export interface ArtifactLocation {
  name: string;
  bucket: string;
  key: string;
  /** Set once the artifact is written. */
  versionId?: string;
}

/** What a successful action reports back (shown by GetPipelineState, ListActionExecutions, and available to later actions as `#{Namespace.Var}`). */
export interface ActionResult {
  outputVariables?: Record<string, string>;
  summary?: string;
  externalExecutionId?: string;
  externalExecutionUrl?: string;
  /** Source actions: the revision they produced (shown in the execution's artifactRevisions / sourceRevisions). */
  revision?: { revisionId: string; revisionSummary?: string; revisionUrl?: string; created?: Date };
}

/** Thrown by a provider to fail its action with AWS's wording (the error's message becomes the action's errorDetails.message). */
export class ActionFailure extends Error {
  constructor(
    message: string,
    readonly code: 'JobFailed' | 'ConfigurationError' | 'PermissionError' | 'RevisionOutOfSync' | 'RevisionUnavailable' | 'SystemUnavailable' = 'JobFailed',
    /** What ListActionExecutions shows as output.executionResult.externalExecutionId, when the failure belongs to an external run (a failed build). */
    readonly externalExecutionId?: string,
  ) {
    super(message);
    this.name = 'ActionFailure';
  }
}

export interface ActionContext {
  /** Runs an operation as the action's RoleArn session when it has one, else as the pipeline's service role session. */
  call<S extends CallableService, O extends OperationOf<S>>(service: S, operation: O, input: InputOf<S, O>): Promise<OutputOf<S, O>>;
  invoke(call: ServiceCall): Promise<unknown>;
  /** Who `call` runs as. */
  caller: InProcessCaller;
  rt: Runtime;
  clock: Clock;
  account: string;
  region: string;
  pipelineName: string;
  pipelineArn: string;
  pipelineVersion: number;
  executionId: string;
  stageName: string;
  actionName: string;
  /** The action execution's id (ListActionExecutions' actionExecutionId). */
  actionExecutionId: string;
  actionTypeId: ActionTypeId;
  /** The declaration's timeoutInMinutes: AWS lets it shorten or lengthen a manual approval's 7 days (5 minutes to 60 days). */
  timeoutInMinutes?: number;
  /** The action's configuration with every `#{…}` variable already resolved. */
  configuration: Record<string, string>;
  /**
   * Source actions: the revision StartPipelineExecution's `sourceRevisions` names for this action
   * (COMMIT_ID, IMAGE_DIGEST, S3_OBJECT_VERSION_ID or S3_OBJECT_KEY), to fetch instead of the latest.
   */
  sourceRevision?: { revisionType: string; revisionValue: string };
  /** The action's input artifacts, in declaration order, as earlier actions wrote them. */
  inputArtifacts: ArtifactLocation[];
  /** Where the action's output artifacts go (keys chosen by the engine as AWS's: `<pipeline prefix>/<artifact name prefix>/<random>`). */
  outputArtifacts: ArtifactLocation[];
  /** The artifact store of the action's region. */
  artifactStore: { bucket: string; encryptionKey?: { id: string; type: 'KMS' } };
  /** Reads an input artifact's zip bytes. */
  readArtifact(name: string): Promise<Buffer>;
  /** Writes an output artifact's zip bytes (through S3 PutObject as the pipeline role, honouring the store's KMS key) and records its version. */
  writeArtifact(name: string, zip: Buffer): Promise<void>;
  /** Saves what a resumed run needs (a build id, an approval token, a stack's id); durable before it returns. */
  checkpoint(data: Record<string, unknown>): void;
  /** The last checkpoint of an earlier attempt of this same action execution, after a restart; undefined on a first run. */
  saved?: Record<string, unknown>;
  /** Aborted when the execution is stopped (StopPipelineExecution abandon), superseded, or the server stops. */
  signal: AbortSignal;
}

export interface ActionProvider {
  typeId: ActionTypeId;
  /**
   * What structure validation checks for this action type, as AWS's action type definitions say:
   * configuration properties (required, secret, queryable) and artifact counts.
   */
  settings: {
    configurationProperties: { name: string; required: boolean; key: boolean; secret: boolean }[];
    inputArtifacts: { minimumCount: number; maximumCount: number };
    outputArtifacts: { minimumCount: number; maximumCount: number };
  };
  /** Runs the action to completion: resolves with its result, or throws ActionFailure. */
  run(ctx: ActionContext): Promise<ActionResult>;
}
