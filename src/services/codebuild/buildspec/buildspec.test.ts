import { describe, expect, it } from 'vitest';
import { BuildPhaseError, BuildspecError } from '../common.js';
import { buildspecNotFound, parseBuildspec } from './buildspec.js';

function error(text: string): BuildspecError {
  try {
    parseBuildspec(text);
  } catch (err) {
    if (err instanceof BuildspecError) return err;
    throw err;
  }
  throw new Error('the buildspec parsed');
}

const FULL = `version: 0.2
run-as: builder
env:
  shell: bash
  variables:
    JAVA_HOME: "/usr/lib/jvm/java-8-openjdk-amd64"
    RETRIES: 3
    RATIO: 1.10
    ENABLED: yes
  parameter-store:
    LOGIN_PASSWORD: /CodeBuild/dockerLoginPassword
  secrets-manager:
    TOKEN: prod/app:token:AWSPREVIOUS
    ARN_SECRET: arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::v-1
  exported-variables:
    - BUILD_OUTPUT
  git-credential-helper: yes
proxy:
  upload-artifacts: yes
  logs: no
batch:
  fast-fail: false
  build-list:
    - identifier: linux
      env:
        compute-type: BUILD_GENERAL1_SMALL
phases:
  install:
    run-as: root
    on-failure: CONTINUE
    runtime-versions:
      nodejs: 20
      python: 3.x
      ruby: "$MY_RUBY_VAR"
    commands:
      - npm ci
    finally:
      - echo install done
  pre_build:
    on-failure: RETRY-2-.*connection refused.*
    commands:
      - |
        if [ -n "$X" ]; then
          echo multi
        fi
  build:
    commands:
      - npm test
  post_build:
    commands:
      - echo "Build completed on \`date\`"
reports:
  jest:
    files:
      - 'junit.xml'
    base-directory: reports
    discard-paths: yes
  arn:aws:codebuild:us-east-1:123456789012:report-group/cov:
    files: coverage/cobertura.xml
    file-format: coberturaxml
artifacts:
  files:
    - '**/*'
  name: myname-$(date +%Y-%m-%d)
  discard-paths: no
  base-directory: dist
  exclude-paths:
    - '**/*.map'
  enable-symlinks: yes
  s3-prefix: builds
  secondary-artifacts:
    docs:
      files:
        - docs/**/*
      name: docs
cache:
  paths:
    - '/root/.npm/**/*'
  key: npm-$(codebuild-hash-files package-lock.json)
  fallback-keys:
    - npm-
  action: restore
`;

describe('parseBuildspec', () => {
  it('reads the whole 0.2 language', () => {
    const spec = parseBuildspec(FULL);
    expect(spec.version).toBe('0.2');
    expect(spec.runAs).toBe('builder');
    expect(spec.env).toEqual({
      shell: 'bash',
      // Values keep the text they were written as, as AWS's Go decoder does for string fields.
      variables: { JAVA_HOME: '/usr/lib/jvm/java-8-openjdk-amd64', RETRIES: '3', RATIO: '1.10', ENABLED: 'yes' },
      parameterStore: { LOGIN_PASSWORD: '/CodeBuild/dockerLoginPassword' },
      secretsManager: { TOKEN: 'prod/app:token:AWSPREVIOUS', ARN_SECRET: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::v-1' },
      exportedVariables: ['BUILD_OUTPUT'],
      gitCredentialHelper: true,
    });
    expect(spec.proxy).toEqual({ uploadArtifacts: true, logs: false });
    expect(spec.batch).toEqual({ 'fast-fail': false, 'build-list': [{ identifier: 'linux', env: { 'compute-type': 'BUILD_GENERAL1_SMALL' } }] });
    expect(spec.phases.install).toEqual({
      runAs: 'root',
      onFailure: 'CONTINUE',
      runtimeVersions: { nodejs: '20', python: '3.x', ruby: '$MY_RUBY_VAR' },
      commands: ['npm ci'],
      finally: ['echo install done'],
    });
    expect(spec.phases.pre_build).toEqual({
      onFailure: 'RETRY',
      retry: { limit: 2, pattern: '.*connection refused.*' },
      runtimeVersions: {},
      commands: ['if [ -n "$X" ]; then\n  echo multi\nfi\n'],
      finally: [],
      runAs: undefined,
    });
    expect(spec.phases.build?.commands).toEqual(['npm test']);
    expect(spec.phases.build?.onFailure).toBeUndefined();
    expect(spec.phases.post_build?.commands).toEqual(['echo "Build completed on `date`"']);
    expect(spec.reports).toEqual({
      jest: { files: ['junit.xml'], baseDirectory: 'reports', discardPaths: true, fileFormat: 'JUNITXML' },
      'arn:aws:codebuild:us-east-1:123456789012:report-group/cov': { files: ['coverage/cobertura.xml'], baseDirectory: undefined, discardPaths: false, fileFormat: 'COBERTURAXML' },
    });
    expect(spec.artifacts).toEqual({
      files: ['**/*'],
      name: 'myname-$(date +%Y-%m-%d)',
      discardPaths: false,
      baseDirectory: 'dist',
      excludePaths: ['**/*.map'],
      enableSymlinks: true,
      s3Prefix: 'builds',
      secondaryArtifacts: { docs: { files: ['docs/**/*'], name: 'docs', discardPaths: false, baseDirectory: undefined, excludePaths: [], enableSymlinks: false, s3Prefix: undefined } },
    });
    expect(spec.cache).toEqual({ paths: ['/root/.npm/**/*'], key: 'npm-$(codebuild-hash-files package-lock.json)', fallbackKeys: ['npm-'], action: 'restore' });
    expect(spec.warnings).toEqual([]);
  });

  it('reads version 0.1 and quoted versions, and a minimal buildspec', () => {
    expect(parseBuildspec('version: 0.1\nphases:\n  build:\n    commands:\n      - make\n').version).toBe('0.1');
    const spec = parseBuildspec('version: "0.2"\nphases:\n  build:\n    commands:\n      - make\n');
    expect(spec.version).toBe('0.2');
    expect(spec.env).toEqual({ variables: {}, parameterStore: {}, secretsManager: {}, exportedVariables: [], gitCredentialHelper: false, shell: undefined });
    expect(spec.artifacts).toBeUndefined();
    expect(spec.cache).toBeUndefined();
    expect(Object.keys(spec.phases)).toEqual(['build']);
  });

  it('accepts every on-failure form', () => {
    const phase = (value: string) => parseBuildspec(`version: 0.2\nphases:\n  build:\n    on-failure: ${value}\n    commands: [make]\n`).phases.build!;
    expect(phase('ABORT')).toMatchObject({ onFailure: 'ABORT' });
    expect(phase('RETRY')).toMatchObject({ onFailure: 'RETRY', retry: { limit: 3 } });
    expect(phase('RETRY-8')).toMatchObject({ onFailure: 'RETRY', retry: { limit: 8 } });
    expect(phase('RETRY-invalid+')).toMatchObject({ onFailure: 'RETRY', retry: { limit: 3, pattern: 'invalid+' } });
    expect(phase('"Retry-.*Error: Unable to connect to database.*"')).toMatchObject({ retry: { limit: 3, pattern: '.*Error: Unable to connect to database.*' } });
    expect(error('version: 0.2\nphases:\n  build:\n    on-failure: RETRY-101\n').message).toMatch(/between 0 and 100 at line 4, columnNumber 17/);
    expect(error('version: 0.2\nphases:\n  build:\n    on-failure: IGNORE\n').message).toMatch(/^Invalid on-failure value IGNORE/);
  });

  it('words a command parsed as a mapping as AWS does, with its position', () => {
    const err = error('version: 0.2\n\nphases:\n  build:\n    commands:\n      - echo Hello: world\n');
    expect(err.message).toBe('Expected Commands[0] to be of string type: found subkeys instead at line 6, columnNumber 9');
    expect(err.statusCode).toBe('YAML_FILE_ERROR');
    expect(err).toBeInstanceOf(BuildPhaseError);
    expect([err.line, err.column]).toEqual([6, 9]);
    expect(error('version: 0.2\nphases:\n  build:\n    commands:\n      - make\n      - [a, b]\n').message).toBe(
      'Expected Commands[1] to be of string type: found sequence instead at line 6, columnNumber 9',
    );
    expect(error('version: 0.2\nphases:\n  build:\n    commands: make\n').message).toBe('Expected Commands to be of sequence type: found string instead at line 4, columnNumber 15');
    expect(error('version: 0.2\nphases: [build]\n').message).toBe('Expected Phases to be of map type: found sequence instead at line 2, columnNumber 9');
    expect(error('version: 0.2\nenv:\n  variables:\n    A:\n      nested: 1\n').message).toBe('Expected Variables[A] to be of string type: found subkeys instead at line 5, columnNumber 7');
  });

  it('rejects missing and unknown versions', () => {
    expect(error('phases:\n  build:\n    commands: [make]\n').message).toBe('invalid buildspec version at line 1, columnNumber 1');
    expect(error('version: 0.3\nphases: {}\n').message).toBe('invalid buildspec version at line 1, columnNumber 10');
    expect(error('version: 2\n').message).toBe('invalid buildspec version at line 1, columnNumber 10');
    expect(error('').message).toBe('invalid buildspec version');
    expect(error('just text').message).toBe('Expected buildspec to be of map type: found string instead at line 1, columnNumber 1');
  });

  it('reports YAML syntax errors with their line, in the YAML decoder wording AWS shows', () => {
    const tab = error('version: 0.2\nphases:\n\tbuild:\n');
    expect(tab.message).toBe('found character that cannot start any token at line 3');
    expect(tab.line).toBe(3);
    const flow = error('version: 0.2\nphases:\n  build:\n    commands: [make, test\n');
    expect(flow.line).toBeGreaterThanOrEqual(4);
    expect(flow.message).toMatch(/ at line \d+$/);
  });

  it('ignores unknown keys as AWS does, and reports them as warnings with their position', () => {
    const spec = parseBuildspec('version: 0.2\nfoo: bar\nphases:\n  test:\n    commands: [make]\n  build:\n    command: [make]\n    commands: [make]\n');
    expect(Object.keys(spec.phases)).toEqual(['build']);
    expect(spec.warnings).toEqual([
      { message: "Unknown key 'foo' in the buildspec is ignored", line: 2, column: 1 },
      { message: "Unknown key 'test' in phases is ignored", line: 4, column: 3 },
      { message: "Unknown key 'command' in phases/build is ignored", line: 7, column: 5 },
    ]);
  });

  it('validates runtime-versions names, report formats, shells and required files', () => {
    expect(error('version: 0.2\nphases:\n  install:\n    runtime-versions:\n      docker: 20\n').message).toBe(
      "Unknown runtime named 'docker'. This build image has the following runtimes: dotnet, golang, java, nodejs, php, python, ruby at line 5, columnNumber 7",
    );
    expect(error('version: 0.2\nphases:\n  install:\n    runtime-versions: {}\n').message).toMatch(/^At least one runtime version/);
    expect(error('version: 0.2\nreports:\n  r:\n    files: [a.xml]\n    file-format: XUNIT\n').message).toMatch(/^Invalid report file format XUNIT/);
    expect(error('version: 0.2\nreports:\n  r:\n    base-directory: x\n').message).toMatch(/^Expected Files to be specified in reports\/r/);
    expect(error('version: 0.2\nartifacts:\n  name: x\n').message).toMatch(/^Expected Files to be specified in artifacts/);
    expect(error('version: 0.2\nenv:\n  shell: zsh\n').message).toMatch(/^Unsupported shell zsh/);
    expect(error('version: 0.2\nartifacts:\n  files: [a]\n  discard-paths: maybe\n').message).toBe('Expected DiscardPaths to be of bool type: found string instead at line 4, columnNumber 18');
  });

  it('takes the last of duplicate keys and accepts empty phases and sections', () => {
    const spec = parseBuildspec('version: 0.2\nenv:\n  variables:\n    A: one\n    A: two\n    EMPTY:\nphases:\n  install:\n  build:\n    commands:\n');
    expect(spec.env.variables).toEqual({ A: 'two', EMPTY: '' });
    expect(spec.phases.install).toEqual({ runAs: undefined, runtimeVersions: {}, commands: [], finally: [] });
    expect(spec.phases.build?.commands).toEqual([]);
  });

  it('words a missing buildspec file as the agent does', () => {
    const err = buildspecNotFound('/work/b1/src/buildspecs/build.yml');
    expect([err.statusCode, err.message]).toEqual(['YAML_FILE_ERROR', 'stat /work/b1/src/buildspecs/build.yml: no such file or directory']);
  });
});
