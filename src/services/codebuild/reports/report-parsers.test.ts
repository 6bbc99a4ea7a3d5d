import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCoverageReport, parseTestReport, ReportParseError, reportFormat } from './report-parsers.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../../../test/fixtures/codebuild-reports', name), 'utf8');

describe('test report parsers', () => {
  it('JUnit XML: statuses, classname prefix, seconds with thousands separators, failure text', () => {
    const cases = parseTestReport('JUNITXML', fixture('junit.xml'));
    expect(cases.map((c) => [c.prefix, c.name, c.status, c.durationInNanoSeconds])).toEqual([
      ['calculator adds', 'adds two numbers', 'SUCCEEDED', 5_000_000],
      ['calculator divides', 'divides by zero', 'FAILED', 12_000_000],
      ['calculator parses', 'parses input', 'ERROR', 1_001_500_000_000],
      ['calculator', 'pending feature', 'SKIPPED', 0],
    ]);
    expect(cases[0].testSuiteName).toBe('calculator');
    expect(cases[0].message).toBeUndefined();
    expect(cases[1].message).toContain('expected Infinity to equal 0');
    expect(cases[1].message).toContain('at Context.<anonymous> (test/calc.test.js:12:7)');
  });

  it('JUnit XML: a bare <testsuite> root', () => {
    const cases = parseTestReport('JUNITXML', '<testsuite name="s"><testcase classname="A" name="b" time="2"/></testsuite>');
    expect(cases).toEqual([{ testSuiteName: 's', prefix: 'A', name: 'b', status: 'SUCCEEDED', durationInNanoSeconds: 2e9, message: undefined }]);
  });

  it('NUnit 2: nested suites, full names, Ignored as SKIPPED, NotRunnable as ERROR, failure message and stack trace', () => {
    const cases = parseTestReport('NUNITXML', fixture('nunit2.xml'));
    expect(cases.map((c) => [c.testSuiteName, c.prefix, c.name, c.status, c.durationInNanoSeconds])).toEqual([
      ['CartTests', 'Shop.CartTests', 'Shop.CartTests.AddsItem', 'SUCCEEDED', 21_000_000],
      ['CartTests', 'Shop.CartTests', 'Shop.CartTests.RemovesItem', 'FAILED', 45_000_000],
      ['CartTests', 'Shop.CartTests', 'Shop.CartTests.Discounts', 'SKIPPED', 0],
      ['CartTests', 'Shop.CartTests', 'Shop.CartTests.AppliesCoupon', 'ERROR', 0],
    ]);
    expect(cases[3].message).toBe('No arguments were provided');
    expect(cases[1].message).toMatch(/Expected: 0\s+But was:\s+1[\s\S]*CartTests.cs:line 21/);
    expect(cases[2].message).toBe('not ready');
  });

  it('NUnit 3: Failed with label Error is ERROR', () => {
    const cases = parseTestReport('NUNIT3XML', fixture('nunit3.xml'));
    expect(cases.map((c) => [c.prefix, c.name, c.status])).toEqual([
      ['Bank.AccountTests', 'Bank.AccountTests.Deposit', 'SUCCEEDED'],
      ['Bank.AccountTests', 'Bank.AccountTests.Withdraw', 'FAILED'],
      ['Bank.AccountTests', 'Bank.AccountTests.Transfer', 'ERROR'],
      ['Bank.AccountTests', 'Bank.AccountTests.Interest', 'SKIPPED'],
    ]);
    expect(cases[0].durationInNanoSeconds).toBe(12_000_000);
    expect(cases[2].message).toContain('NullReferenceException');
  });

  it('TestNG: configuration methods are not test cases; duration-ms', () => {
    const cases = parseTestReport('TESTNGXML', fixture('testng-results.xml'));
    expect(cases.map((c) => [c.testSuiteName, c.prefix, c.name, c.status, c.durationInNanoSeconds])).toEqual([
      ['Default test', 'com.example.OrderTest', 'placesOrder', 'SUCCEEDED', 120_000_000],
      ['Default test', 'com.example.OrderTest', 'cancelsOrder', 'FAILED', 45_000_000],
      ['Default test', 'com.example.OrderTest', 'refunds', 'SKIPPED', 0],
    ]);
    expect(cases[1].message).toContain('expected [CANCELLED] but found [OPEN]');
  });

  it('Cucumber JSON: scenarios with their background, undefined steps UNKNOWN, nanosecond durations', () => {
    const cases = parseTestReport('CUCUMBERJSON', fixture('cucumber.json'));
    expect(cases.map((c) => [c.prefix, c.name, c.status, c.durationInNanoSeconds])).toEqual([
      ['Login', 'Valid credentials', 'SUCCEEDED', 4_000_000],
      ['Login', 'Wrong password', 'FAILED', 6_000_000],
      ['Login', 'Single sign-on', 'UNKNOWN', 0],
    ]);
    expect(cases[1].message).toBe("expected 'Invalid password' to be visible");
  });

  it('Visual Studio TRX: class names from the definitions without the assembly, hh:mm:ss durations', () => {
    const cases = parseTestReport('VISUALSTUDIOTRX', fixture('results.trx'));
    expect(cases.map((c) => [c.prefix, c.name, c.status, c.durationInNanoSeconds])).toEqual([
      ['Util.Tests.DateTests', 'ParsesDates', 'SUCCEEDED', 15_000_000],
      ['Util.Tests.FormatTests', 'FormatsCurrency', 'FAILED', 1_250_000_000],
      ['Util.Tests.FormatTests', 'Localizes', 'SKIPPED', 0],
    ]);
    expect(cases[1].message).toContain('Assert.Equal() Failure');
    expect(cases[1].message).toContain('FormatTests.cs:line 14');
  });

  it('reads files with a UTF-8 byte order mark, and ignores entity bombs', () => {
    expect(parseTestReport('VISUALSTUDIOTRX', `\uFEFF${fixture('results.trx')}`)).toHaveLength(3);
    expect(parseTestReport('CUCUMBERJSON', `\uFEFF${fixture('cucumber.json')}`)).toHaveLength(3);
    expect(parseCoverageReport('SIMPLECOV', `\uFEFF${fixture('.resultset.json')}`)).toHaveLength(2);
    const bomb = `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
      <testsuite name="s"><testcase classname="A" name="x"><failure>&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;</failure></testcase></testsuite>`;
    const [bombed] = parseTestReport('JUNITXML', bomb);
    expect(bombed.status).toBe('FAILED');
    expect(bombed.message!.length).toBeLessThan(1000);
  });

  it('refuses malformed and mismatched files', () => {
    expect(() => parseTestReport('JUNITXML', '<testsuite><testcase></testsuite>')).toThrow(ReportParseError);
    expect(() => parseTestReport('JUNITXML', fixture('nunit3.xml'))).toThrow(/expected a root element <testsuites> or <testsuite>/);
    expect(() => parseTestReport('CUCUMBERJSON', '{"not":"an array"}')).toThrow(ReportParseError);
    expect(() => parseTestReport('CUCUMBERJSON', '[{')).toThrow(/not valid JSON/);
    expect(() => parseTestReport('VISUALSTUDIOTRX', fixture('junit.xml'))).toThrow(ReportParseError);
  });
});

describe('coverage report parsers', () => {
  it('Cobertura: per file lines and condition coverage', () => {
    expect(parseCoverageReport('COBERTURAXML', fixture('cobertura.xml'))).toEqual([
      { filePath: 'app/calc.py', lineCoveragePercentage: 80, linesCovered: 4, linesMissed: 1, branchCoveragePercentage: 50, branchesCovered: 1, branchesMissed: 1 },
      { filePath: 'app/util.py', lineCoveragePercentage: 66.67, linesCovered: 2, linesMissed: 1, branchCoveragePercentage: 0, branchesCovered: 0, branchesMissed: 0 },
    ]);
  });

  it('JaCoCo: sourcefile LINE and BRANCH counters', () => {
    expect(parseCoverageReport('JACOCOXML', fixture('jacoco.xml'))).toEqual([
      { filePath: 'com/example/orders/Order.java', lineCoveragePercentage: 80, linesCovered: 8, linesMissed: 2, branchCoveragePercentage: 75, branchesCovered: 3, branchesMissed: 1 },
      { filePath: 'com/example/orders/Money.java', lineCoveragePercentage: 0, linesCovered: 0, linesMissed: 4, branchCoveragePercentage: 0, branchesCovered: 0, branchesMissed: 0 },
    ]);
  });

  it('Clover: file metrics, statements as lines and conditionals as branches', () => {
    expect(parseCoverageReport('CLOVERXML', fixture('clover.xml'))).toEqual([
      { filePath: '/codebuild/output/src/src/cart.js', lineCoveragePercentage: 87.5, linesCovered: 7, linesMissed: 1, branchCoveragePercentage: 75, branchesCovered: 3, branchesMissed: 1 },
      { filePath: '/codebuild/output/src/src/price.js', lineCoveragePercentage: 50, linesCovered: 2, linesMissed: 2, branchCoveragePercentage: 0, branchesCovered: 0, branchesMissed: 0 },
    ]);
  });

  it('SimpleCov .resultset.json: commands merged, nocov and non-code lines ignored, branches', () => {
    expect(parseCoverageReport('SIMPLECOV', fixture('.resultset.json'))).toEqual([
      { filePath: '/codebuild/output/src/lib/greeter.rb', lineCoveragePercentage: 75, linesCovered: 3, linesMissed: 1, branchCoveragePercentage: 50, branchesCovered: 1, branchesMissed: 1 },
      { filePath: '/codebuild/output/src/lib/math.rb', lineCoveragePercentage: 100, linesCovered: 3, linesMissed: 0, branchCoveragePercentage: 0, branchesCovered: 0, branchesMissed: 0 },
    ]);
  });

  it('refuses malformed and mismatched files', () => {
    expect(() => parseCoverageReport('COBERTURAXML', 'not xml <')).toThrow(ReportParseError);
    expect(() => parseCoverageReport('JACOCOXML', fixture('cobertura.xml'))).toThrow(/<report>/);
    expect(() => parseCoverageReport('SIMPLECOV', '[]')).toThrow(ReportParseError);
    expect(() => parseCoverageReport('SIMPLECOV', '{"RSpec":{}}')).toThrow(/has no coverage/);
  });

  it('file-format names are case-insensitive, unknown ones undefined', () => {
    expect(reportFormat('JunitXml')).toBe('JUNITXML');
    expect(reportFormat('simplecov')).toBe('SIMPLECOV');
    expect(reportFormat('XUNITXML')).toBeUndefined();
  });
});
