/**
 * `AWS::Serverless-2016-10-31`: SAM templates expanded by AWS's own translator, the Python
 * package `aws-sam-translator`, run in a child process (what `sam` and cfn-lint call as well),
 * so the resources SAM generates are exactly the ones AWS generates.
 */
import { spawn } from 'node:child_process';
import { validationError } from './errors.js';
import type { PseudoParameters, Template } from './types.js';

export const SAM_TRANSFORM = 'AWS::Serverless-2016-10-31';

/** Reads {template, parameters, region, partition} on stdin; writes {template} or {error}. */
const TRANSLATE_SCRIPT = `
import json, sys
try:
    import boto3
    from samtranslator.translator.translator import Translator
    from samtranslator.parser.parser import Parser
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
except ImportError as error:
    print(json.dumps({"missing": str(error)}))
    sys.exit(0)
request = json.load(sys.stdin)
session = boto3.session.Session(region_name=request["region"])
try:
    translated = Translator(None, Parser(), boto_session=session).translate(
        request["template"],
        parameter_values=request["parameters"],
        get_managed_policy_map=lambda: get_bundled_managed_policy_map(request["partition"]) or {},
    )
    print(json.dumps({"template": translated}))
except InvalidDocumentException as error:
    print(json.dumps({"error": " ".join([error.message] + [cause.message for cause in error.causes])}))
`;

function samFailure(message: string): Error {
  return validationError(`Transform ${SAM_TRANSFORM} failed with: ${message}`);
}

/** Runs the translator; `parameters` are the stack's parameter values by name. */
export async function expandSam(template: Template, parameters: Record<string, string>, pseudo: PseudoParameters): Promise<Template> {
  const request = JSON.stringify({
    template,
    region: pseudo.region,
    partition: pseudo.partition,
    parameters: {
      ...parameters,
      'AWS::Region': pseudo.region,
      'AWS::AccountId': pseudo.accountId,
      'AWS::Partition': pseudo.partition,
      'AWS::StackName': pseudo.stackName,
      'AWS::StackId': pseudo.stackId,
      'AWS::URLSuffix': pseudo.urlSuffix,
    },
  });
  const output = await runPython(request);
  let answer: { template?: Template; error?: string; missing?: string };
  try {
    answer = JSON.parse(output);
  } catch {
    throw samFailure(`the SAM translator answered unexpectedly: ${output.slice(0, 500)}`);
  }
  if (answer.missing !== undefined) {
    throw samFailure(`Drydock expands SAM templates with AWS's translator; install it with "pip install aws-sam-translator" (${answer.missing})`);
  }
  if (answer.error !== undefined) throw samFailure(answer.error);
  return answer.template as Template;
}

function runPython(input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.DRYDOCK_PYTHON ?? 'python3', ['-c', TRANSLATE_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', () => reject(samFailure('Drydock expands SAM templates with python3 and the aws-sam-translator package; python3 was not found')));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
      else reject(samFailure(`the SAM translator failed: ${Buffer.concat(stderr).toString('utf8').trim().split('\n').pop() ?? ''}`));
    });
    child.stdin.end(input);
  });
}
