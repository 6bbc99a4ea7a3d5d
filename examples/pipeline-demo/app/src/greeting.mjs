/** The app's logic: a greeting built from the prefix the deployment configures (an SSM parameter). */
export function greet(prefix, name) {
  const who = typeof name === 'string' && name.trim() !== '' ? name.trim() : 'world';
  return `${prefix}, ${who}!`;
}
