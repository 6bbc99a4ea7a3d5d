/**
 * Test and coverage report files → CodeBuild's TestCase and CodeCoverage records. One parser per
 * `file-format` of the buildspec's reports section; each throws ReportParseError on a file it
 * cannot read, which makes the report INCOMPLETE as CodeBuild does.
 */
import { createRequire } from 'node:module';
import type { XMLParser } from 'fast-xml-parser';

export type TestStatus = 'SUCCEEDED' | 'FAILED' | 'ERROR' | 'SKIPPED' | 'UNKNOWN';
export const TEST_STATUSES: readonly TestStatus[] = ['SUCCEEDED', 'FAILED', 'ERROR', 'SKIPPED', 'UNKNOWN'];

export const TEST_FORMATS = ['JUNITXML', 'NUNITXML', 'NUNIT3XML', 'TESTNGXML', 'CUCUMBERJSON', 'VISUALSTUDIOTRX'] as const;
export const COVERAGE_FORMATS = ['COBERTURAXML', 'JACOCOXML', 'CLOVERXML', 'SIMPLECOV'] as const;
export type TestFormat = (typeof TEST_FORMATS)[number];
export type CoverageFormat = (typeof COVERAGE_FORMATS)[number];
export type ReportFormat = TestFormat | CoverageFormat;

export interface ParsedTestCase {
  testSuiteName?: string;
  prefix: string;
  name: string;
  status: TestStatus;
  durationInNanoSeconds: number;
  message?: string;
}

export interface ParsedCoverage {
  filePath: string;
  lineCoveragePercentage: number;
  linesCovered: number;
  linesMissed: number;
  branchCoveragePercentage: number;
  branchesCovered: number;
  branchesMissed: number;
}

export class ReportParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportParseError';
  }
}

/** The buildspec's `file-format` (case-insensitive: CodeBuild accepts `JunitXml`) as a known format. */
export function reportFormat(text: string): ReportFormat | undefined {
  const upper = text.toUpperCase();
  return ([...TEST_FORMATS, ...COVERAGE_FORMATS] as string[]).includes(upper) ? (upper as ReportFormat) : undefined;
}

export function isCoverageFormat(format: ReportFormat): format is CoverageFormat {
  return (COVERAGE_FORMATS as readonly string[]).includes(format);
}

// ---- XML helpers -------------------------------------------------------------------------------

/** Every element is an array and attributes are `@name`, so the walkers below need no special cases. */
type XmlElement = Record<string, unknown>;

let parser: XMLParser | undefined;
function parseXml(text: string): XmlElement {
  if (!parser) {
    // Loaded on first use: most builds have no reports, and the parser costs start-up time.
    const { XMLParser: Parser } = createRequire(import.meta.url)('fast-xml-parser') as typeof import('fast-xml-parser');
    parser = new Parser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      parseTagValue: false,
      parseAttributeValue: false,
      ignoreDeclaration: true,
      ignorePiTags: true,
      removeNSPrefix: true,
      processEntities: true,
      htmlEntities: true,
      textNodeName: '#text',
      isArray: (_name, _path, _isLeaf, isAttribute) => !isAttribute,
    });
  }
  try {
    return parser.parse(text, true) as XmlElement;
  } catch (err) {
    throw new ReportParseError(`not well-formed XML: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function children(node: XmlElement | undefined, name: string): XmlElement[] {
  const value = node?.[name];
  if (!Array.isArray(value)) return [];
  // An element with neither attributes nor children parses as its bare text (`<skipped/>` is '').
  return value.map((v) => (typeof v === 'string' ? { '#text': v } : v)).filter((v): v is XmlElement => typeof v === 'object' && v !== null);
}

function child(node: XmlElement | undefined, name: string): XmlElement | undefined {
  return children(node, name)[0];
}

function attr(node: XmlElement | undefined, name: string): string | undefined {
  const value = node?.[`@${name}`];
  return typeof value === 'string' ? value : undefined;
}

/** The trimmed text content of the first child element `name`. */
function text(node: XmlElement | undefined, name: string): string | undefined {
  const inner = child(node, name)?.['#text'];
  const joined = Array.isArray(inner) ? inner.join('') : typeof inner === 'string' ? inner : '';
  return joined.trim() || undefined;
}

function rootOf(doc: XmlElement, names: string[], format: string): { name: string; node: XmlElement } {
  for (const name of names) {
    const node = child(doc, name);
    if (node) return { name, node };
  }
  throw new ReportParseError(`not a ${format} file: expected a root element ${names.map((n) => `<${n}>`).join(' or ')}`);
}

/** Every element named `name` at any depth below `node`, in document order. */
function descendants(node: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@') || key === '#text' || !Array.isArray(value)) continue;
    for (const item of value) {
      if (typeof item !== 'object' || item === null) continue;
      if (key === name) out.push(item as XmlElement);
      descendants(item as XmlElement, name, out);
    }
  }
  return out;
}

/** Seconds as test tools write them (`1.5`, `1,234.5`) → nanoseconds; absent or unreadable is 0. */
function secondsToNanos(value: string | undefined): number {
  if (!value) return 0;
  const seconds = Number(value.replace(/,/g, ''));
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1e9) : 0;
}

function joinMessage(...parts: (string | undefined)[]): string | undefined {
  const kept = parts.map((p) => p?.trim()).filter((p): p is string => !!p);
  const unique = kept.filter((p, i) => kept.indexOf(p) === i);
  return unique.length ? unique.join('\n') : undefined;
}

/** JSON as tools write it, a UTF-8 byte order mark included (Windows tooling adds one). */
function parseJson(content: string): unknown {
  try {
    return JSON.parse(content.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ReportParseError(`not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

// ---- test formats ------------------------------------------------------------------------------

export function parseTestReport(format: TestFormat, content: string): ParsedTestCase[] {
  switch (format) {
    case 'JUNITXML':
      return parseJUnit(content);
    case 'NUNITXML':
      return parseNUnit2(content);
    case 'NUNIT3XML':
      return parseNUnit3(content);
    case 'TESTNGXML':
      return parseTestNG(content);
    case 'CUCUMBERJSON':
      return parseCucumber(content);
    case 'VISUALSTUDIOTRX':
      return parseTrx(content);
  }
}

/** JUnit XML (Surefire, pytest, jest-junit …): `<testsuites>` or a bare `<testsuite>`. */
function parseJUnit(content: string): ParsedTestCase[] {
  const { node: root } = rootOf(parseXml(content), ['testsuites', 'testsuite'], 'JUnit XML');
  const cases: ParsedTestCase[] = [];
  // Suites nest in some producers (Ant, Gradle): take the nearest suite's name.
  const walkSuite = (suite: XmlElement): void => {
    const suiteName = attr(suite, 'name');
    for (const tc of children(suite, 'testcase')) {
      const failure = child(tc, 'failure');
      const error = child(tc, 'error');
      const skipped = child(tc, 'skipped');
      const status: TestStatus = failure ? 'FAILED' : error ? 'ERROR' : skipped ? 'SKIPPED' : 'SUCCEEDED';
      const message = failure
        ? joinMessage(attr(failure, 'message'), text(tc, 'failure'))
        : error
          ? joinMessage(attr(error, 'message'), text(tc, 'error'))
          : skipped
            ? joinMessage(attr(skipped, 'message'), text(tc, 'skipped'))
            : undefined;
      cases.push({
        testSuiteName: suiteName,
        prefix: attr(tc, 'classname') ?? suiteName ?? '',
        name: attr(tc, 'name') ?? '',
        status,
        durationInNanoSeconds: secondsToNanos(attr(tc, 'time')),
        message,
      });
    }
    for (const nested of children(suite, 'testsuite')) walkSuite(nested);
  };
  walkSuite(root);
  return cases;
}

/** NUnit 2.x `<test-results>`: test cases at any depth of nested `<test-suite>`s. */
function parseNUnit2(content: string): ParsedTestCase[] {
  const { node: root } = rootOf(parseXml(content), ['test-results'], 'NUnit XML');
  const cases: ParsedTestCase[] = [];
  const walk = (node: XmlElement, suiteName: string | undefined): void => {
    for (const suite of children(node, 'test-suite')) {
      const results = child(suite, 'results');
      const name = attr(suite, 'name');
      for (const tc of children(results, 'test-case')) {
        const full = attr(tc, 'name') ?? '';
        const dot = full.lastIndexOf('.');
        const result = (attr(tc, 'result') ?? '').toLowerCase();
        const executed = (attr(tc, 'executed') ?? 'True').toLowerCase() === 'true';
        // A test NUnit could not run (NotRunnable: bad arguments, invalid signature) is an ERROR, as CodeBuild reports it.
        const status: TestStatus = result === 'notrunnable' || result === 'error' || result === 'cancelled'
          ? 'ERROR'
          : !executed || result === 'ignored' || result === 'skipped'
            ? 'SKIPPED'
            : result === 'success'
              ? 'SUCCEEDED'
              : result === 'failure'
                ? 'FAILED'
                : 'UNKNOWN';
        const failure = child(tc, 'failure');
        const reason = child(tc, 'reason');
        cases.push({
          testSuiteName: name ?? suiteName,
          // CodeBuild names NUnit cases by their full name and prefixes them with the fixture.
          prefix: dot > 0 ? full.slice(0, dot) : (name ?? ''),
          name: full,
          status,
          durationInNanoSeconds: secondsToNanos(attr(tc, 'time')),
          message: joinMessage(text(failure, 'message') ?? text(reason, 'message'), text(failure, 'stack-trace')),
        });
      }
      walk(results ?? {}, name ?? suiteName);
    }
  };
  walk(root, undefined);
  return cases;
}

/** NUnit 3 `<test-run>`: `result` Passed/Failed/Skipped/Inconclusive/Warning, `label` Error/Ignored/…. */
function parseNUnit3(content: string): ParsedTestCase[] {
  const { node: root } = rootOf(parseXml(content), ['test-run'], 'NUnit 3 XML');
  return descendants(root, 'test-case').map((tc) => {
    const result = (attr(tc, 'result') ?? '').toLowerCase();
    const label = (attr(tc, 'label') ?? '').toLowerCase();
    const status: TestStatus =
      result === 'passed' ? 'SUCCEEDED'
      : result === 'failed' ? (label === 'error' || label === 'cancelled' || label === 'invalid' ? 'ERROR' : 'FAILED')
      : result === 'skipped' ? 'SKIPPED'
      : 'UNKNOWN';
    const failure = child(tc, 'failure');
    const reason = child(tc, 'reason');
    const name = attr(tc, 'name') ?? '';
    const full = attr(tc, 'fullname') ?? name;
    const className = attr(tc, 'classname') ?? (full.endsWith(`.${name}`) ? full.slice(0, -name.length - 1) : '');
    return {
      testSuiteName: className || undefined,
      prefix: className,
      name: full,
      status,
      durationInNanoSeconds: secondsToNanos(attr(tc, 'duration')),
      message: joinMessage(text(failure, 'message') ?? text(reason, 'message'), text(failure, 'stack-trace')),
    };
  });
}

/** TestNG `testng-results.xml`; configuration methods (@BeforeClass …) are not test cases. */
function parseTestNG(content: string): ParsedTestCase[] {
  const { node: root } = rootOf(parseXml(content), ['testng-results'], 'TestNG XML');
  const cases: ParsedTestCase[] = [];
  for (const suite of children(root, 'suite')) {
    for (const test of children(suite, 'test')) {
      for (const cls of children(test, 'class')) {
        for (const method of children(cls, 'test-method')) {
          if ((attr(method, 'is-config') ?? '').toLowerCase() === 'true') continue;
          const s = (attr(method, 'status') ?? '').toUpperCase();
          const exception = child(method, 'exception');
          const ms = Number(attr(method, 'duration-ms') ?? 0);
          cases.push({
            testSuiteName: attr(test, 'name') ?? attr(suite, 'name'),
            prefix: attr(cls, 'name') ?? '',
            name: attr(method, 'name') ?? '',
            status: s === 'PASS' ? 'SUCCEEDED' : s === 'FAIL' ? 'FAILED' : s === 'SKIP' ? 'SKIPPED' : 'UNKNOWN',
            durationInNanoSeconds: Number.isFinite(ms) && ms > 0 ? Math.round(ms * 1e6) : 0,
            message: exception ? joinMessage(text(exception, 'message'), attr(exception, 'class')) : undefined,
          });
        }
      }
    }
  }
  return cases;
}

interface CucumberStep {
  result?: { status?: string; duration?: number; error_message?: string };
}
interface CucumberElement {
  name?: string;
  type?: string;
  keyword?: string;
  steps?: CucumberStep[];
  before?: CucumberStep[];
  after?: CucumberStep[];
}
interface CucumberFeature {
  name?: string;
  uri?: string;
  elements?: CucumberElement[];
}

/** Cucumber JSON: one test case per scenario, a background's steps counting towards the scenario after it. */
function parseCucumber(content: string): ParsedTestCase[] {
  const features = parseJson(content);
  if (!Array.isArray(features)) throw new ReportParseError('not a Cucumber JSON file: expected an array of features');
  const cases: ParsedTestCase[] = [];
  for (const feature of features as CucumberFeature[]) {
    if (typeof feature !== 'object' || feature === null || !Array.isArray(feature.elements)) {
      throw new ReportParseError('not a Cucumber JSON file: a feature has no elements array');
    }
    let background: CucumberStep[] = [];
    for (const element of feature.elements) {
      const steps = [...(element.before ?? []), ...(element.steps ?? []), ...(element.after ?? [])];
      if (element.type === 'background' || element.keyword?.trim() === 'Background') {
        background = steps;
        continue;
      }
      const all = [...background, ...steps];
      background = [];
      const statuses = all.map((s) => (s.result?.status ?? 'undefined').toLowerCase());
      const status: TestStatus = statuses.includes('failed')
        ? 'FAILED'
        : statuses.some((s) => s === 'undefined' || s === 'pending' || s === 'ambiguous')
          ? 'UNKNOWN'
          : statuses.includes('skipped')
            ? 'SKIPPED'
            : 'SUCCEEDED';
      cases.push({
        testSuiteName: feature.name,
        prefix: feature.name ?? feature.uri ?? '',
        name: element.name ?? '',
        status,
        // Cucumber writes step durations in nanoseconds.
        durationInNanoSeconds: all.reduce((sum, s) => sum + (typeof s.result?.duration === 'number' && s.result.duration > 0 ? Math.round(s.result.duration) : 0), 0),
        message: joinMessage(...all.map((s) => s.result?.error_message)),
      });
    }
  }
  return cases;
}

/** `hh:mm:ss.fffffff` TRX durations → nanoseconds. */
function trxDuration(value: string | undefined): number {
  const m = /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(value ?? '');
  if (!m) return 0;
  return Math.round((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1e9);
}

/** Visual Studio TRX: results joined to their definitions for the class name. */
function parseTrx(content: string): ParsedTestCase[] {
  const { node: root } = rootOf(parseXml(content), ['TestRun'], 'Visual Studio TRX');
  const classOf = new Map<string, string>();
  for (const unitTest of descendants(root, 'UnitTest')) {
    const id = attr(unitTest, 'id');
    const className = attr(child(unitTest, 'TestMethod'), 'className');
    if (id && className) classOf.set(id, className);
  }
  return descendants(root, 'UnitTestResult').map((result) => {
    const outcome = (attr(result, 'outcome') ?? '').toLowerCase();
    const status: TestStatus =
      outcome === 'passed' || outcome === 'passedbutrunaborted' ? 'SUCCEEDED'
      : outcome === 'failed' ? 'FAILED'
      : outcome === 'error' || outcome === 'timeout' || outcome === 'aborted' ? 'ERROR'
      : outcome === 'notexecuted' || outcome === 'notrunnable' ? 'SKIPPED'
      : 'UNKNOWN';
    const errorInfo = child(child(result, 'Output'), 'ErrorInfo');
    // Class names come with the assembly after a comma (`Ns.Class, Assembly`): keep the class.
    const className = (classOf.get(attr(result, 'testId') ?? '') ?? '').split(',')[0].trim();
    return {
      testSuiteName: className || undefined,
      prefix: className,
      name: attr(result, 'testName') ?? '',
      status,
      durationInNanoSeconds: trxDuration(attr(result, 'duration')),
      message: joinMessage(text(errorInfo, 'Message'), text(errorInfo, 'StackTrace')),
    };
  });
}

// ---- coverage formats --------------------------------------------------------------------------

export function parseCoverageReport(format: CoverageFormat, content: string): ParsedCoverage[] {
  switch (format) {
    case 'COBERTURAXML':
      return parseCobertura(content);
    case 'JACOCOXML':
      return parseJaCoCo(content);
    case 'CLOVERXML':
      return parseClover(content);
    case 'SIMPLECOV':
      return parseSimpleCov(content);
  }
}

function percentage(covered: number, missed: number): number {
  const total = covered + missed;
  return total === 0 ? 0 : Math.round((covered / total) * 10000) / 100;
}

function coverage(filePath: string, linesCovered: number, linesMissed: number, branchesCovered: number, branchesMissed: number): ParsedCoverage {
  return {
    filePath,
    lineCoveragePercentage: percentage(linesCovered, linesMissed),
    linesCovered,
    linesMissed,
    branchCoveragePercentage: percentage(branchesCovered, branchesMissed),
    branchesCovered,
    branchesMissed,
  };
}

function count(value: string | undefined): number {
  const n = Number(value ?? 0);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** Cobertura: per file, each line number once (several classes can share a file). */
function parseCobertura(content: string): ParsedCoverage[] {
  const { node: root } = rootOf(parseXml(content), ['coverage'], 'Cobertura XML');
  const files = new Map<string, Map<number, { hit: boolean; covered: number; total: number }>>();
  for (const cls of descendants(root, 'class')) {
    const filename = attr(cls, 'filename');
    if (!filename) continue;
    let lines = files.get(filename);
    if (!lines) {
      lines = new Map();
      files.set(filename, lines);
    }
    for (const line of children(child(cls, 'lines'), 'line')) {
      const number = Number(attr(line, 'number'));
      const hit = count(attr(line, 'hits')) > 0;
      const cond = /\((\d+)\/(\d+)\)/.exec(attr(line, 'condition-coverage') ?? '');
      const isBranch = (attr(line, 'branch') ?? '').toLowerCase() === 'true' && cond !== null;
      const previous = lines.get(number);
      lines.set(number, {
        hit: hit || (previous?.hit ?? false),
        covered: Math.max(previous?.covered ?? 0, isBranch ? Number(cond[1]) : 0),
        total: Math.max(previous?.total ?? 0, isBranch ? Number(cond[2]) : 0),
      });
    }
  }
  return [...files].map(([filePath, lines]) => {
    let linesCovered = 0;
    let branchesCovered = 0;
    let branchesTotal = 0;
    for (const line of lines.values()) {
      if (line.hit) linesCovered++;
      branchesCovered += line.covered;
      branchesTotal += line.total;
    }
    return coverage(filePath, linesCovered, lines.size - linesCovered, branchesCovered, branchesTotal - branchesCovered);
  });
}

/** JaCoCo: a sourcefile's LINE and BRANCH counters; the path is package/file as JaCoCo names them. */
function parseJaCoCo(content: string): ParsedCoverage[] {
  const { node: root } = rootOf(parseXml(content), ['report'], 'JaCoCo XML');
  const out: ParsedCoverage[] = [];
  const visitPackage = (pkg: XmlElement): void => {
    const pkgName = attr(pkg, 'name') ?? '';
    for (const file of children(pkg, 'sourcefile')) {
      const counters = new Map(children(file, 'counter').map((c) => [attr(c, 'type'), c]));
      const line = counters.get('LINE');
      const branch = counters.get('BRANCH');
      const name = attr(file, 'name') ?? '';
      out.push(coverage(pkgName ? `${pkgName}/${name}` : name, count(attr(line, 'covered')), count(attr(line, 'missed')), count(attr(branch, 'covered')), count(attr(branch, 'missed'))));
    }
  };
  // Multi-module reports nest packages inside <group>s.
  for (const pkg of descendants(root, 'package')) visitPackage(pkg);
  return out;
}

/** Clover: a file's statements (lines) and conditionals (branches) from its `<metrics>`. */
function parseClover(content: string): ParsedCoverage[] {
  const { node: root } = rootOf(parseXml(content), ['coverage'], 'Clover XML');
  return descendants(root, 'file').map((file) => {
    const metrics = child(file, 'metrics');
    const statements = count(attr(metrics, 'statements'));
    const coveredStatements = Math.min(statements, count(attr(metrics, 'coveredstatements')));
    const conditionals = count(attr(metrics, 'conditionals'));
    const coveredConditionals = Math.min(conditionals, count(attr(metrics, 'coveredconditionals')));
    return coverage(attr(file, 'path') ?? attr(file, 'name') ?? '', coveredStatements, statements - coveredStatements, coveredConditionals, conditionals - coveredConditionals);
  });
}

type SimpleCovFile = (number | null)[] | { lines?: (number | null | string)[]; branches?: Record<string, Record<string, number>> };

/**
 * SimpleCov's `.resultset.json` (`{command: {coverage: {file: {lines, branches}}}}`, older versions
 * with a bare line array per file); several commands merge by summing hits line by line.
 */
function parseSimpleCov(content: string): ParsedCoverage[] {
  const doc = parseJson(content);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ReportParseError('not a SimpleCov .resultset.json: expected an object of commands');
  const files = new Map<string, { lines: (number | null)[]; branches: Map<string, number> }>();
  for (const [command, result] of Object.entries(doc as Record<string, unknown>)) {
    const cov = (result as { coverage?: unknown } | null)?.coverage;
    if (typeof cov !== 'object' || cov === null) throw new ReportParseError(`not a SimpleCov .resultset.json: command "${command}" has no coverage`);
    for (const [path, data] of Object.entries(cov as Record<string, SimpleCovFile>)) {
      const lines = Array.isArray(data) ? data : data.lines;
      if (!Array.isArray(lines)) throw new ReportParseError(`not a SimpleCov .resultset.json: "${path}" has no lines`);
      let merged = files.get(path);
      if (!merged) {
        merged = { lines: [], branches: new Map() };
        files.set(path, merged);
      }
      lines.forEach((hits, i) => {
        // `"ignored"` marks nocov lines; null marks lines that are not code.
        if (typeof hits !== 'number') return;
        merged.lines[i] = (merged.lines[i] ?? 0) + hits;
      });
      if (!Array.isArray(data)) {
        for (const [condition, outcomes] of Object.entries(data.branches ?? {})) {
          for (const [outcome, hits] of Object.entries(outcomes)) {
            const key = `${condition} ${outcome}`;
            merged.branches.set(key, (merged.branches.get(key) ?? 0) + (typeof hits === 'number' ? hits : 0));
          }
        }
      }
    }
  }
  return [...files].map(([filePath, { lines, branches }]) => {
    const relevant = lines.filter((h): h is number => typeof h === 'number');
    const linesCovered = relevant.filter((h) => h > 0).length;
    const branchesCovered = [...branches.values()].filter((h) => h > 0).length;
    return coverage(filePath, linesCovered, relevant.length - linesCovered, branchesCovered, branches.size - branchesCovered);
  });
}
