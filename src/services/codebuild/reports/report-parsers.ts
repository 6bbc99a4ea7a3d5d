/**
 * Test and coverage report files → CodeBuild's TestCase and CodeCoverage records. One parser per
 * `file-format` of the buildspec's reports section; each throws ReportParseError on a file it
 * cannot read, which makes the report INCOMPLETE as CodeBuild does.
 */
import { attr, child, children, descendants, joinMessage, parseJson, parseXml, ReportParseError, rootOf, secondsToNanos, text, type XmlElement } from './parse-common.js';

export { parseCoverageReport } from './coverage-parsers.js';
export { ReportParseError } from './parse-common.js';

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

/** The buildspec's `file-format` (case-insensitive: CodeBuild accepts `JunitXml`) as a known format. */
export function reportFormat(text: string): ReportFormat | undefined {
  const upper = text.toUpperCase();
  return ([...TEST_FORMATS, ...COVERAGE_FORMATS] as string[]).includes(upper) ? (upper as ReportFormat) : undefined;
}

export function isCoverageFormat(format: ReportFormat): format is CoverageFormat {
  return (COVERAGE_FORMATS as readonly string[]).includes(format);
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
        const status: TestStatus =
          result === 'notrunnable' || result === 'error' || result === 'cancelled'
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
      result === 'passed' ? 'SUCCEEDED' : result === 'failed' ? (label === 'error' || label === 'cancelled' || label === 'invalid' ? 'ERROR' : 'FAILED') : result === 'skipped' ? 'SKIPPED' : 'UNKNOWN';
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
      outcome === 'passed' || outcome === 'passedbutrunaborted'
        ? 'SUCCEEDED'
        : outcome === 'failed'
          ? 'FAILED'
          : outcome === 'error' || outcome === 'timeout' || outcome === 'aborted'
            ? 'ERROR'
            : outcome === 'notexecuted' || outcome === 'notrunnable'
              ? 'SKIPPED'
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
