/** `drydock builds list` and `drydock builds logs`: CodeBuild builds through the operations any AWS client calls. */
import { ApiError, callJson, endpointOf } from './endpoint.js';
import { CommandFailed, parseOptions, printJsonLine, UsageError, wantsJson } from './usage.js';

const CODEBUILD = 'CodeBuild_20161006';
/** BatchGetBuilds takes at most 100 ids. */
const BATCH_GET_MAX = 100;

/** A build as awsJson answers it: timestamps are epoch seconds. */
interface BuildView {
  id: string;
  projectName?: string;
  buildNumber?: number;
  buildStatus?: string;
  currentPhase?: string;
  buildComplete?: boolean;
  startTime?: number;
  endTime?: number;
  phases?: { phaseType: string }[];
  logs?: { groupName?: string; streamName?: string };
}

/** Every build id of the caller's account and region (or of one project), newest first. */
async function listBuildIds(endpoint: string, project: string | undefined): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = project
      ? await callJson(endpoint, 'codebuild', `${CODEBUILD}.ListBuildsForProject`, { projectName: project, nextToken })
      : await callJson(endpoint, 'codebuild', `${CODEBUILD}.ListBuilds`, { nextToken });
    ids.push(...((page.ids as string[] | undefined) ?? []));
    nextToken = page.nextToken as string | undefined;
  } while (nextToken);
  return ids;
}

/** The builds, in the order of `ids` (BatchGetBuilds promises no order); ids it does not find are left out. */
async function getBuilds(endpoint: string, ids: string[]): Promise<BuildView[]> {
  const found = new Map<string, BuildView>();
  for (let i = 0; i < ids.length; i += BATCH_GET_MAX) {
    const out = await callJson(endpoint, 'codebuild', `${CODEBUILD}.BatchGetBuilds`, { ids: ids.slice(i, i + BATCH_GET_MAX) });
    for (const build of (out.builds as BuildView[] | undefined) ?? []) found.set(build.id, build);
  }
  return ids.flatMap((id) => found.get(id) ?? []);
}

const isoTime = (epochSeconds: number | undefined) => (epochSeconds === undefined ? undefined : new Date(epochSeconds * 1000).toISOString());

function duration(build: BuildView): string {
  if (build.startTime === undefined || build.endTime === undefined) return '-';
  const seconds = Math.round(build.endTime - build.startTime);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows)
    process.stdout.write(
      `${row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd()}\n`,
    );
}

export async function listBuilds(args: string[]): Promise<void> {
  const { values } = parseOptions({ args, options: { project: { type: 'string' }, endpoint: { type: 'string' }, json: { type: 'boolean' } } });
  const endpoint = endpointOf(values.endpoint);
  const builds = await getBuilds(endpoint, await listBuildIds(endpoint, values.project));
  if (wantsJson(values.json)) {
    for (const b of builds) {
      printJsonLine({
        id: b.id,
        projectName: b.projectName,
        buildNumber: b.buildNumber,
        buildStatus: b.buildStatus,
        currentPhase: b.currentPhase,
        startTime: isoTime(b.startTime),
        endTime: isoTime(b.endTime),
      });
    }
    return;
  }
  if (builds.length === 0) {
    process.stdout.write(values.project ? `Project ${values.project} has no builds.\n` : 'No builds.\n');
    return;
  }
  const started = (b: BuildView) => isoTime(b.startTime)?.slice(0, 19).replace('T', ' ') ?? '-';
  printTable([['BUILD', 'STATUS', 'PHASE', 'STARTED (UTC)', 'DURATION'], ...builds.map((b) => [b.id, b.buildStatus ?? '-', b.currentPhase ?? '-', started(b), duration(b)])]);
}

/**
 * The build id meant by `given`: a full id (project:uuid) as it is; otherwise the one build whose
 * UUID starts with it. Several such builds fail, naming them.
 */
async function resolveBuildId(endpoint: string, given: string): Promise<string> {
  if (given.includes(':')) return given;
  const prefix = given.toLowerCase();
  const matches = (await listBuildIds(endpoint, undefined)).filter((id) => id.slice(id.indexOf(':') + 1).startsWith(prefix));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw new CommandFailed(`no build's UUID starts with "${given}" (drydock builds list shows the builds)`);
  throw new CommandFailed(`"${given}" starts the UUID of ${matches.length} builds; give more of it, or one of their ids:\n${matches.map((id) => `  ${id}`).join('\n')}`);
}

/**
 * Prints a build's log from CloudWatch Logs; with --follow keeps tailing, tells each phase as the
 * build enters it (on stderr, so stdout stays the log), and exits once the build has completed:
 * 0 when it SUCCEEDED, 1 otherwise.
 */
export async function buildLogs(args: string[]): Promise<void> {
  const { values, positionals } = parseOptions({ args, allowPositionals: true, options: { follow: { type: 'boolean', short: 'f', default: false }, endpoint: { type: 'string' } } });
  if (positionals.length !== 1 || positionals[0] === '') throw new UsageError(positionals.length > 1 ? `one build at a time, got ${positionals.length}` : 'which build? give its id or UUID');
  const endpoint = endpointOf(values.endpoint);
  const id = await resolveBuildId(endpoint, positionals[0]);
  const getBuild = async (): Promise<BuildView> => {
    const [build] = await getBuilds(endpoint, [id]);
    if (!build) throw new CommandFailed(`build ${id} was not found`);
    return build;
  };
  let token: string | undefined;
  /** Prints the events written since the last call; false while the log stream does not exist yet. */
  const drain = async (build: BuildView): Promise<boolean> => {
    const { groupName, streamName } = build.logs ?? {};
    if (!groupName || !streamName) return false;
    for (;;) {
      let out: Record<string, unknown>;
      try {
        out = await callJson(endpoint, 'logs', 'Logs_20140328.GetLogEvents', { logGroupName: groupName, logStreamName: streamName, startFromHead: true, nextToken: token });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'ResourceNotFoundException') return false;
        throw err;
      }
      const events = (out.events as { message: string }[] | undefined) ?? [];
      for (const event of events) process.stdout.write(`${event.message}\n`);
      const next = out.nextForwardToken as string | undefined;
      if (events.length === 0 || next === undefined || next === token) return true;
      token = next;
    }
  };

  let build = await getBuild();
  if (!values.follow) {
    if (!(await drain(build)) && !build.buildComplete) process.stderr.write(`build ${id} has not written its log yet (phase ${build.currentPhase})\n`);
    return;
  }
  // Phases are told from the build's phase list, so one shorter than the polling interval is still told.
  let told = 0;
  for (;;) {
    const phases = build.phases ?? [];
    for (; told < phases.length; told++) if (phases[told].phaseType !== 'COMPLETED') process.stderr.write(`==> phase ${phases[told].phaseType}\n`);
    await drain(build);
    if (build.buildComplete) {
      process.stderr.write(`==> build ${build.buildStatus}\n`);
      process.exitCode = build.buildStatus === 'SUCCEEDED' ? 0 : 1;
      return;
    }
    // The CLI polls in real time: it is a client of the server, like any SDK waiter.
    await new Promise((resolve) => setTimeout(resolve, 200));
    build = await getBuild();
  }
}
