/**
 * A store's prepared statements, each prepared when first used rather than when the store is made:
 * a server prepares hundreds of statements, most of which a short session never runs, and each
 * costs SQLite a parse on the way to the first answer. `preparedOnUse({ get: () => db.prepare(…) })`
 * reads as the object of statements it stands for.
 */
export function preparedOnUse<T extends object>(prepare: { [K in keyof T]: () => T[K] }): T {
  const statements = {} as T;
  for (const name of Object.keys(prepare) as (keyof T)[]) {
    Object.defineProperty(statements, name, {
      enumerable: true,
      configurable: true,
      get() {
        const statement = prepare[name]();
        // From now on a plain property: the hot path reads it without a getter.
        Object.defineProperty(statements, name, { value: statement, enumerable: true });
        return statement;
      },
    });
  }
  return statements;
}
