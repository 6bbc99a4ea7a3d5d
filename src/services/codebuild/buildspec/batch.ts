/**
 * The `batch` section of a buildspec (build-list, build-graph, build-matrix) turned into the groups a
 * batch build runs, checked as CodeBuild checks it: unique identifiers, known and acyclic
 * dependencies. parseBuildspec (buildspec.ts) reads the YAML; this reads its batch section.
 */
import { BuildPhaseError } from '../common.js';

/** Group identifiers: letters, digits and underscores, as AWS's examples and console accept. */
const IDENTIFIER = /^[A-Za-z0-9_]{1,127}$/;

type Yaml = Record<string, unknown>;

/** A batchspec problem: the batch fails in DOWNLOAD_BATCHSPEC with this message. */
const batchspecError = (message: string) => new BuildPhaseError('YAML_FILE_ERROR', message);

function mapping(value: unknown, where: string): Yaml {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw batchspecError(`${where} must be a mapping`);
  return value as Yaml;
}

function onlyKeys(value: Yaml, where: string, allowed: string[]): void {
  for (const k of Object.keys(value)) if (!allowed.includes(k)) throw batchspecError(`unknown key ${k} in ${where}`);
}

function bool(value: unknown, where: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw batchspecError(`${where} must be true or false`);
  return value;
}

function scalar(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') throw batchspecError(`${where} must be a single value`);
  return String(value);
}

/** A scalar or a list of scalars (the dynamic part of a build matrix). */
function values(value: unknown, where: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw batchspecError(`${where} must list at least one value`);
  return list.map((v, i) => scalar(v, `${where}[${i}]`)!);
}

export interface TaskEnv {
  computeType?: string;
  image?: string;
  type?: string;
  privilegedMode?: boolean;
  variables: Record<string, string>;
}

function taskEnv(value: unknown, where: string): TaskEnv {
  if (value === undefined || value === null) return { variables: {} };
  const env = mapping(value, where);
  onlyKeys(env, where, ['compute-type', 'image', 'type', 'privileged-mode', 'variables', 'fleet']);
  // Builds of a batch run on the project's fleet (or StartBuildBatch's environment); choosing another per group is not emulated.
  if (env.fleet !== undefined) throw batchspecError(`${where}/fleet: choosing a fleet per batch build is not supported by Drydock`);
  const variables: Record<string, string> = {};
  if (env.variables !== undefined && env.variables !== null) {
    for (const [name, v] of Object.entries(mapping(env.variables, `${where}/variables`))) variables[name] = scalar(v, `${where}/variables/${name}`) ?? '';
  }
  return {
    computeType: scalar(env['compute-type'], `${where}/compute-type`),
    image: scalar(env.image, `${where}/image`),
    type: scalar(env.type, `${where}/type`),
    privilegedMode: bool(env['privileged-mode'], `${where}/privileged-mode`),
    variables,
  };
}

/** One group of the batch as the batchspec defines it. */
export interface Task {
  identifier: string;
  dependsOn: string[];
  ignoreFailure: boolean;
  buildspec?: string;
  debugSession?: boolean;
  env: TaskEnv;
}

function listTasks(value: unknown, where: string, graph: boolean): Task[] {
  if (!Array.isArray(value) || value.length === 0) throw batchspecError(`${where} must be a list of builds`);
  return value.map((item, i) => {
    const at = `${where}[${i}]`;
    const task = mapping(item, at);
    onlyKeys(task, at, ['identifier', 'buildspec', 'env', 'depend-on', 'ignore-failure', 'debug-session']);
    const identifier = scalar(task.identifier, `${at}/identifier`) ?? (graph ? undefined : `build${i + 1}`);
    if (identifier === undefined) throw batchspecError(`${at}/identifier is required in a build graph`);
    if (!graph && task['depend-on'] !== undefined) throw batchspecError(`${at}/depend-on is only valid in a build graph`);
    const dependsOn = task['depend-on'] === undefined || task['depend-on'] === null ? [] : values(task['depend-on'], `${at}/depend-on`)!;
    return {
      identifier,
      dependsOn,
      ignoreFailure: bool(task['ignore-failure'], `${at}/ignore-failure`) ?? false,
      buildspec: scalar(task.buildspec, `${at}/buildspec`),
      debugSession: bool(task['debug-session'], `${at}/debug-session`),
      env: taskEnv(task.env, `${at}/env`),
    };
  });
}

/** The cartesian product of a build matrix: buildspecs outermost, then images, compute types, variables in order. */
function matrixTasks(value: unknown): Task[] {
  const matrix = mapping(value, 'batch/build-matrix');
  onlyKeys(matrix, 'batch/build-matrix', ['static', 'dynamic']);
  const fixed = matrix.static === undefined || matrix.static === null ? {} : mapping(matrix.static, 'batch/build-matrix/static');
  onlyKeys(fixed, 'batch/build-matrix/static', ['ignore-failure', 'env', 'debug-session']);
  const staticEnv = taskEnv(fixed.env, 'batch/build-matrix/static/env');
  const dynamic = mapping(matrix.dynamic, 'batch/build-matrix/dynamic');
  onlyKeys(dynamic, 'batch/build-matrix/dynamic', ['buildspec', 'env']);
  const dynamicEnv = dynamic.env === undefined || dynamic.env === null ? {} : mapping(dynamic.env, 'batch/build-matrix/dynamic/env');
  onlyKeys(dynamicEnv, 'batch/build-matrix/dynamic/env', ['compute-type', 'image', 'variables']);
  const axes: { apply: (t: Task, v: string) => void; values: string[] }[] = [];
  const add = (list: string[] | undefined, apply: (t: Task, v: string) => void) => list && axes.push({ apply, values: list });
  add(values(dynamic.buildspec, 'batch/build-matrix/dynamic/buildspec'), (t, v) => (t.buildspec = v));
  add(values(dynamicEnv.image, 'batch/build-matrix/dynamic/env/image'), (t, v) => (t.env.image = v));
  add(values(dynamicEnv['compute-type'], 'batch/build-matrix/dynamic/env/compute-type'), (t, v) => (t.env.computeType = v));
  if (dynamicEnv.variables !== undefined && dynamicEnv.variables !== null) {
    for (const [name, list] of Object.entries(mapping(dynamicEnv.variables, 'batch/build-matrix/dynamic/env/variables'))) {
      add(values(list, `batch/build-matrix/dynamic/env/variables/${name}`), (t, v) => (t.env.variables[name] = v));
    }
  }
  if (axes.length === 0) throw batchspecError('batch/build-matrix/dynamic must vary a buildspec, an image, a compute type or a variable');
  let tasks: Task[] = [
    {
      identifier: '',
      dependsOn: [],
      ignoreFailure: bool(fixed['ignore-failure'], 'batch/build-matrix/static/ignore-failure') ?? false,
      debugSession: bool(fixed['debug-session'], 'batch/build-matrix/static/debug-session'),
      env: staticEnv,
    },
  ];
  for (const axis of axes) {
    tasks = tasks.flatMap((t) =>
      axis.values.map((v) => {
        const next: Task = { ...t, env: { ...t.env, variables: { ...t.env.variables } } };
        axis.apply(next, v);
        return next;
      }),
    );
  }
  return tasks.map((t, i) => ({ ...t, identifier: `build${i + 1}` }));
}

/** The groups the batch section defines, checked: unique identifiers, known and acyclic dependencies. */
export function tasksOf(batch: unknown): { fastFail: boolean; tasks: Task[] } {
  if (batch === undefined || batch === null) throw batchspecError('the buildspec has no batch section: a batch build needs batch/build-list, batch/build-graph or batch/build-matrix');
  const section = mapping(batch, 'batch');
  onlyKeys(section, 'batch', ['fast-fail', 'build-list', 'build-graph', 'build-matrix', 'build-fanout']);
  const kinds = ['build-list', 'build-graph', 'build-matrix', 'build-fanout'].filter((k) => section[k] !== undefined && section[k] !== null);
  if (kinds.length !== 1) throw batchspecError('batch must define exactly one of build-list, build-graph, build-matrix and build-fanout');
  const kind = kinds[0];
  if (kind === 'build-fanout') throw batchspecError('batch/build-fanout is not supported by Drydock (it splits test suites across builds)');
  const tasks = kind === 'build-matrix' ? matrixTasks(section[kind]) : listTasks(section[kind], `batch/${kind}`, kind === 'build-graph');
  const ids = new Set<string>();
  for (const t of tasks) {
    if (!IDENTIFIER.test(t.identifier)) throw batchspecError(`build identifier ${t.identifier} may contain only letters, digits and underscores`);
    if (ids.has(t.identifier)) throw batchspecError(`build identifier ${t.identifier} is used more than once`);
    ids.add(t.identifier);
  }
  for (const t of tasks) for (const d of t.dependsOn) if (!ids.has(d)) throw batchspecError(`build ${t.identifier} depends on ${d}, which the batch does not define`);
  // Depth-first search for a cycle: a graph with one would never finish.
  const state = new Map<string, 'visiting' | 'done'>();
  const byId = new Map(tasks.map((t) => [t.identifier, t]));
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw batchspecError(`the build graph has a dependency cycle through ${id}`);
    state.set(id, 'visiting');
    for (const d of byId.get(id)!.dependsOn) visit(d);
    state.set(id, 'done');
  };
  for (const t of tasks) visit(t.identifier);
  return { fastFail: bool(section['fast-fail'], 'batch/fast-fail') ?? false, tasks };
}

/** The StartBuild input of one group: the batch's overrides, then the group's buildspec and environment. */
