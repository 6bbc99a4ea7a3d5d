/** Coverage report files (Cobertura, JaCoCo, Clover XML; SimpleCov JSON) → CodeBuild's CodeCoverage records. */

import { attr, child, children, descendants, parseJson, parseXml, ReportParseError, rootOf, type XmlElement } from './parse-common.js';
import type { CoverageFormat, ParsedCoverage } from './report-parsers.js';

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
