/**
 * Templates as requests give them (TemplateBody, or TemplateURL to an object in Drydock's S3, read
 * as the caller), ValidateTemplate and GetTemplateSummary.
 */
import type * as C from '@aws-sdk/client-cloudformation';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import type { InProcessCaller } from '../../contracts.js';
import { type CloudFormationContext, findStack, stackNotFound, validationError } from '../common.js';
import { importIdentifiers, isKnownResourceType } from '../spec/index.js';
import {
  checkTemplate,
  parseTemplate,
  processTransforms,
  requiredCapabilities,
  TEMPLATE_BODY_MAX,
  TEMPLATE_URL_MAX,
  templateBodyTooLarge,
  templateSummaryOutput,
  templateUrlLocation,
  templateUrlTooLarge,
  validateTemplateOutput,
} from '../template/index.js';
import type { ParameterInput, PseudoParameters, Template } from '../template/types.js';

export function requestCaller(ctx: RequestContext): InProcessCaller {
  return { principal: ctx.principal, account: ctx.account, region: ctx.region };
}

async function bodyText(body: unknown): Promise<string> {
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  if (typeof body === 'string') return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** The template text a request names: exactly one of TemplateBody and TemplateURL, with AWS's refusals. */
export async function templateText(c: CloudFormationContext, input: { TemplateBody?: string; TemplateURL?: string }, ctx: RequestContext): Promise<string> {
  if (input.TemplateBody !== undefined && input.TemplateURL !== undefined) throw validationError('Specify exactly one of TemplateBody or TemplateUrl.');
  if (input.TemplateBody !== undefined) {
    if (Buffer.byteLength(input.TemplateBody) > TEMPLATE_BODY_MAX) throw templateBodyTooLarge();
    return input.TemplateBody;
  }
  if (input.TemplateURL === undefined) throw validationError('Either Template URL or Template Body must be specified.');
  return s3Text(c, input.TemplateURL, requestCaller(ctx));
}

/** An S3 object's text (a template, an included snippet, a stack policy) read as `caller`, with AWS's error when it cannot be read. */
async function s3Text(c: CloudFormationContext, url: string, caller: InProcessCaller): Promise<string> {
  const { bucket, key, versionId } = templateUrlLocation(url);
  let text: string;
  try {
    const out = await c.rt.call('s3', 'GetObject', { Bucket: bucket, Key: key, VersionId: versionId }, caller);
    text = await bodyText(out.Body);
  } catch {
    throw validationError('S3 error: Access Denied');
  }
  if (Buffer.byteLength(text) > TEMPLATE_URL_MAX) throw templateUrlTooLarge();
  return text;
}

/** AWS::Include locations are `s3://bucket/key` or S3 URLs. */
function includeUrl(location: string): string {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  return s3 ? `https://${s3[1]}.s3.amazonaws.com/${s3[2]}` : location;
}

/** The capabilities the template needs that `given` lacks (CAPABILITY_NAMED_IAM covers CAPABILITY_IAM). */
function missingCapabilities(template: Template, given: string[] | undefined): string[] {
  const held = new Set(given ?? []);
  if (held.has('CAPABILITY_NAMED_IAM')) held.add('CAPABILITY_IAM');
  return requiredCapabilities(template).capabilities.filter((capability) => !held.has(capability));
}

function checkCapabilities(template: Template, given: string[] | undefined): void {
  const missing = missingCapabilities(template, given);
  if (missing.length > 0) throw new AwsError('InsufficientCapabilitiesException', `Requires capabilities : [${missing.join(', ')}]`);
}

/**
 * The template a stack runs, from the text a request gave: parsed, its transforms (AWS::Include,
 * AWS::LanguageExtensions, SAM) expanded given CAPABILITY_AUTO_EXPAND, then checked (structure,
 * references, resource types) with the capabilities its resources need, all with AWS's errors.
 */
export async function processedTemplate(
  c: CloudFormationContext,
  text: string,
  options: { capabilities?: string[]; pseudo: PseudoParameters; parameters?: ParameterInput[]; caller: InProcessCaller },
): Promise<Template> {
  let template = parseTemplate(text);
  if (template.Transform !== undefined) {
    checkCapabilities(template, options.capabilities);
    const hooks = { fetchTemplate: (location: string) => s3Text(c, includeUrl(location), options.caller), pseudo: options.pseudo, parameters: options.parameters };
    template = await processTransforms(template, hooks);
  }
  checkTemplate(template, isKnownResourceType);
  checkCapabilities(template, options.capabilities);
  return template;
}

export async function validateTemplate(c: CloudFormationContext, input: C.ValidateTemplateInput, ctx: RequestContext): Promise<C.ValidateTemplateOutput> {
  const template = parseTemplate(await templateText(c, input, ctx));
  checkTemplate(template, () => true);
  return validateTemplateOutput(template);
}

export async function getTemplateSummary(c: CloudFormationContext, input: C.GetTemplateSummaryInput, ctx: RequestContext): Promise<C.GetTemplateSummaryOutput> {
  const given = [input.TemplateBody, input.TemplateURL, input.StackName, input.StackSetName].filter((value) => value !== undefined).length;
  if (given !== 1) throw validationError('Specify exactly one of TemplateBody, TemplateUrl, StackName or StackSetName.');
  if (input.StackSetName !== undefined) throw validationError(`StackSet ${input.StackSetName} not found`);
  if (input.StackName !== undefined) {
    const stack = findStack(c, ctx, input.StackName);
    if (!stack || stack.deleted_at !== null) throw stackNotFound(input.StackName);
    return templateSummaryOutput(parseTemplate(stack.template_body), importIdentifiers);
  }
  return templateSummaryOutput(parseTemplate(await templateText(c, input, ctx)), importIdentifiers);
}
