/** The Lambda function: answers a greeting; GREETING comes from the stack's SSM parameter. */
import { greet } from './greeting.mjs';

export async function handler(event) {
  return { statusCode: 200, body: greet(process.env.GREETING ?? 'Hello', event?.name) };
}
