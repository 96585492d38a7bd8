/** Rows as arrays of values made into objects of one fixed shape (./sqlite-driver.ts, ./user-rows.ts). */

export type RowMaker = (values: unknown[]) => Record<string, unknown>;

/**
 * A function that turns a raw row (an array) into the object better-sqlite3 would make, as one
 * object literal of fixed shape. better-sqlite3 builds each row object a property at a time, which
 * for a users row (36 columns) cost more than reading the row; arrays and a literal cost half.
 * Null when a name cannot be a literal's plain key (`__proto__`): such statements keep object rows.
 */
export function rowMaker(names: readonly string[]): RowMaker | null {
  if (names.includes('__proto__')) return null;
  // A name that appears twice keeps its last value, as in better-sqlite3's objects.
  const last = new Map(names.map((name, index) => [name, index]));
  const body = [...last].map(([name, index]) => `${JSON.stringify(name)}: v[${index}]`).join(', ');
  return new Function('v', `return { ${body} };`) as RowMaker;
}
