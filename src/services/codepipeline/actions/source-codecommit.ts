/**
 * Source/AWS/CodeCommit/1: the head of a CodeCommit branch (or the commit StartPipelineExecution's
 * sourceRevisions names) becomes the action's output artifact and revision.
 *
 * - CODE_ZIP (the default): a zip of the commit's regular files (modes kept), without `.git`.
 * - CODEBUILD_CLONE_REF: AWS documents only that the artifact is "a Git URL reference" that only
 *   CodeBuild can use; Drydock's is a zip holding one file, `codepipeline-clone-ref.json`
 *   (CLONE_REF_FILE), naming the repository, its clone URL, the branch and the commit, which
 *   CodeBuild's CODEPIPELINE source turns into a clone of that repository at that commit.
 *
 * The branch and commit are read through CodeCommit's own GetBranch and GetCommit as the
 * pipeline's role, and the archive is authorized as `codecommit:UploadArchive` (the permission
 * AWS's CodePipeline role needs for it) before it is read from the repository's Git data.
 */
import { execFile } from 'node:child_process';
import type { Commit } from '@aws-sdk/client-codecommit';
import { arn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import { createZip, readZip, S_IFMT, S_IFREG } from '../../../core/zip.js';
import { type ActionContext, ActionFailure, type ActionProvider, type ActionResult } from './types.js';

/** The one file of a CODEBUILD_CLONE_REF artifact. */
export const CLONE_REF_FILE = 'codepipeline-clone-ref.json';

/** What CLONE_REF_FILE holds. */
export interface CloneRef {
  repositoryName: string;
  repositoryArn: string;
  cloneUrlHttp: string;
  branchName: string;
  commitId: string;
}

const OUTPUT_FORMATS = new Set(['CODE_ZIP', 'CODEBUILD_CLONE_REF']);
/** A zip of a large tree can be big; git's stdout is buffered whole. */
const MAX_ARCHIVE_BYTES = 2 * 1024 ** 3;

export const codeCommitSource: ActionProvider = {
  typeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' },
  settings: {
    configurationProperties: [
      { name: 'RepositoryName', required: true, key: true, secret: false },
      { name: 'BranchName', required: true, key: true, secret: false },
      { name: 'PollForSourceChanges', required: false, key: false, secret: false },
      { name: 'OutputArtifactFormat', required: false, key: false, secret: false },
    ],
    inputArtifacts: { minimumCount: 0, maximumCount: 0 },
    outputArtifacts: { minimumCount: 1, maximumCount: 1 },
  },
  run: runCodeCommitSource,
};

async function runCodeCommitSource(ctx: ActionContext): Promise<ActionResult> {
  const repositoryName = ctx.configuration.RepositoryName;
  const branchName = ctx.configuration.BranchName;
  const format = ctx.configuration.OutputArtifactFormat ?? 'CODE_ZIP';
  if (!OUTPUT_FORMATS.has(format)) throw new ActionFailure(`Invalid OutputArtifactFormat ${format}. Valid values are CODE_ZIP and CODEBUILD_CLONE_REF.`, 'ConfigurationError');
  const commitId = await sourceCommitId(ctx, repositoryName, branchName);
  const commit = await readCommit(ctx, repositoryName, commitId);
  const repositoryArn = arn('codecommit', ctx.region, ctx.account, repositoryName);
  authorizeArchive(ctx, repositoryArn);
  const output = ctx.outputArtifacts[0];
  if (format === 'CODE_ZIP') await ctx.writeArtifact(output.name, await archiveCommit(ctx, repositoryName, commitId));
  else {
    const { repositoryMetadata } = await callCodeCommit(ctx, repositoryName, () => ctx.call('codecommit', 'GetRepository', { repositoryName }));
    const ref: CloneRef = { repositoryName, repositoryArn, cloneUrlHttp: repositoryMetadata!.cloneUrlHttp!, branchName, commitId };
    await ctx.writeArtifact(output.name, createZip([{ name: CLONE_REF_FILE, data: Buffer.from(JSON.stringify(ref, null, 2)), mode: S_IFREG | 0o644 }]));
  }
  const message = commit.message ?? '';
  const committed = isoDate(commit.committer?.date);
  return {
    outputVariables: {
      CommitId: commitId,
      CommitMessage: message,
      AuthorDate: isoDate(commit.author?.date) ?? '',
      CommitterDate: committed ?? '',
      BranchName: branchName,
      RepositoryName: repositoryName,
    },
    summary: message,
    revision: {
      revisionId: commitId,
      revisionSummary: message,
      revisionUrl: `https://${ctx.region}.console.aws.amazon.com/codesuite/codecommit/repositories/${repositoryName}/commit/${commitId}?region=${ctx.region}`,
      created: committed ? new Date(committed) : undefined,
    },
  };
}

/** The override's commit when StartPipelineExecution named one, else the branch's head. */
async function sourceCommitId(ctx: ActionContext, repositoryName: string, branchName: string): Promise<string> {
  const override = ctx.sourceRevision;
  if (override) {
    if (override.revisionType !== 'COMMIT_ID')
      throw new ActionFailure(`The revision type ${override.revisionType} is not valid for the CodeCommit source action ${ctx.actionName}. Use COMMIT_ID.`, 'ConfigurationError');
    return override.revisionValue;
  }
  const { branch } = await callCodeCommit(ctx, repositoryName, () => ctx.call('codecommit', 'GetBranch', { repositoryName, branchName }), branchName);
  return branch!.commitId!;
}

async function readCommit(ctx: ActionContext, repositoryName: string, commitId: string): Promise<Commit> {
  const { commit } = await callCodeCommit(ctx, repositoryName, () => ctx.call('codecommit', 'GetCommit', { repositoryName, commitId }));
  return commit!;
}

/** A CodeCommit call, its refusal turned into the action's failure with AWS's console wording. */
async function callCodeCommit<T>(ctx: ActionContext, repositoryName: string, call: () => Promise<T>, branchName?: string): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    switch (err.code) {
      case 'BranchDoesNotExistException':
        throw new ActionFailure(
          `The action failed because no branch named ${branchName} was found in the selected AWS CodeCommit repository ${repositoryName}. Make sure you are using the correct branch name, and then try again. Error: null`,
          'ConfigurationError',
        );
      case 'RepositoryDoesNotExistException':
        throw new ActionFailure(`The repository ${repositoryName} does not exist.`, 'ConfigurationError');
      case 'CommitDoesNotExistException':
      case 'InvalidCommitIdException':
        throw new ActionFailure(`The commit ${ctx.sourceRevision?.revisionValue} does not exist in the AWS CodeCommit repository ${repositoryName}.`, 'RevisionUnavailable');
      case 'AccessDeniedException':
        throw new ActionFailure(err.message, 'PermissionError');
      default:
        throw new ActionFailure(`${err.code}: ${err.message}`, 'JobFailed');
    }
  }
}

function authorizeArchive(ctx: ActionContext, repositoryArn: string): void {
  const decision = ctx.rt.api('iam').authorize(ctx.caller.principal, { action: 'codecommit:UploadArchive', resource: repositoryArn, region: ctx.region, resourceAccount: ctx.account });
  if (decision.decision !== 'Allow') throw new ActionFailure(decision.message, 'PermissionError');
}

/**
 * The commit's tree as a zip, from the repository's Git data: regular files only, as AWS's CODE_ZIP
 * (symbolic links and submodules are left out; AWS documents that CODEBUILD_CLONE_REF keeps them).
 */
async function archiveCommit(ctx: ActionContext, repositoryName: string, commitId: string): Promise<Buffer> {
  const archive = await gitArchive(ctx, repositoryName, commitId);
  // git writes a Unix mode only for executables and links; other files get none (0) and are 0644 here.
  const files = readZip(archive).filter((entry) => !entry.name.endsWith('/') && (entry.mode === 0 || (entry.mode & S_IFMT) === S_IFREG));
  return createZip(files.map((entry) => ({ ...entry, mode: entry.mode || S_IFREG | 0o644 })));
}

async function gitArchive(ctx: ActionContext, repositoryName: string, commitId: string): Promise<Buffer> {
  const checkout = await ctx.rt.api('codecommit').checkout({ account: ctx.account, region: ctx.region }, repositoryName, commitId);
  if (!checkout?.commitId) throw new ActionFailure(`The repository ${repositoryName} does not exist.`, 'ConfigurationError');
  return new Promise((resolve, reject) => {
    execFile('git', ['--git-dir', checkout.gitDir, 'archive', '--format=zip', checkout.commitId!], { encoding: 'buffer', maxBuffer: MAX_ARCHIVE_BYTES }, (err, stdout, stderr) => {
      if (err) reject(new ActionFailure(`Could not archive commit ${commitId} of ${repositoryName}: ${stderr.toString('utf8').trim() || err.message}`, 'JobFailed'));
      else resolve(stdout);
    });
  });
}

/** CodeCommit's `"<epoch seconds> <zone>"` as the ISO-8601 instant AWS's variables show. */
function isoDate(date: string | undefined): string | undefined {
  const seconds = date ? Number.parseInt(date, 10) : Number.NaN;
  return Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z') : undefined;
}
