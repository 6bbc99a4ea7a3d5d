/**
 * AWS::Lambda::Function's inline code (`Code.ZipFile`) made into a deployment package as
 * CloudFormation makes it: the source written to `index.js` (Node.js runtimes) or `index.py`
 * (Python runtimes) and zipped, with CloudFormation's `cfn-response` module beside it when the
 * source loads it (`require('cfn-response')`, `import cfnresponse`), so custom resource functions
 * written inline can answer their ResponseURL. The modules here keep AWS's interface (`send(event,
 * context, responseStatus, responseData, physicalResourceId, noEcho[, reason])`, SUCCESS/FAILED)
 * and also speak plain HTTP, which Drydock's presigned URLs use.
 */
import { AwsError } from '../../../core/errors.js';

const NODE_CFN_RESPONSE = `'use strict';
// CloudFormation's cfn-response module, as Drydock includes it with inline (ZipFile) code.
exports.SUCCESS = 'SUCCESS';
exports.FAILED = 'FAILED';
exports.send = function (event, context, responseStatus, responseData, physicalResourceId, noEcho) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({
      Status: responseStatus,
      Reason: 'See the details in CloudWatch Log Stream: ' + context.logStreamName,
      PhysicalResourceId: physicalResourceId || context.logStreamName,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      NoEcho: noEcho || false,
      Data: responseData,
    });
    console.log('Response body:\\n', body);
    const url = new URL(event.ResponseURL);
    const transport = url.protocol === 'http:' ? require('http') : require('https');
    const request = transport.request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (response) => {
      console.log('Status code: ' + response.statusCode);
      response.resume();
      response.on('end', () => {
        if (typeof context.done === 'function') context.done();
        resolve();
      });
    });
    request.on('error', (error) => {
      console.log('send(..) failed executing https.request(..): ' + error);
      if (typeof context.done === 'function') context.done();
      reject(error);
    });
    request.write(body);
    request.end();
  });
};
`;

const PYTHON_CFN_RESPONSE = `# CloudFormation's cfnresponse module, as Drydock includes it with inline (ZipFile) code.
import json
import urllib.request

SUCCESS = "SUCCESS"
FAILED = "FAILED"


def send(event, context, responseStatus, responseData, physicalResourceId=None, noEcho=False, reason=None):
    body = json.dumps({
        "Status": responseStatus,
        "Reason": reason or "See the details in CloudWatch Log Stream: " + context.log_stream_name,
        "PhysicalResourceId": physicalResourceId or context.log_stream_name,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": noEcho,
        "Data": responseData,
    }).encode("utf-8")
    print("Response body:")
    print(body.decode("utf-8"))
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT", headers={"content-type": "", "content-length": str(len(body))})
    try:
        with urllib.request.urlopen(request) as response:
            print("Status code:", response.status)
    except Exception as e:
        print("send(..) failed executing http.request(..):", e)
`;

/** The deployment package CloudFormation builds from `Code.ZipFile` for `runtime`. */
export async function inlineCodePackage(source: string, runtime: string | undefined): Promise<Buffer> {
  const { strToU8, zipSync } = await import('fflate');
  const files: Record<string, Uint8Array> = {};
  if (runtime?.startsWith('nodejs')) {
    files['index.js'] = strToU8(source);
    if (/require\(\s*['"]cfn-response['"]\s*\)/.test(source)) files['node_modules/cfn-response/index.js'] = strToU8(NODE_CFN_RESPONSE);
  } else if (runtime?.startsWith('python')) {
    files['index.py'] = strToU8(source);
    if (/^\s*import cfnresponse\s*$/m.test(source)) files['cfnresponse.py'] = strToU8(PYTHON_CFN_RESPONSE);
  } else {
    throw new AwsError('InvalidRequest', `ZipFile can only be used when Runtime is set to either of nodejs or python runtimes, not ${runtime ?? 'an image'}.`);
  }
  return Buffer.from(zipSync(files));
}
