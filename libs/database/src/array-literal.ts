/** Elements that a quoted array element must escape. */
const NEEDS_ESCAPE = /["\\]/;

/**
 * A PostgreSQL array literal of text or numbers (`{"a","b",NULL}`, `{1,2}`), for a parameter
 * the statement casts to an array (`$2::text[]`, `$3::bigint[]`). pg prints a JavaScript array
 * as the same literal, but passes every element through its generic value conversion and two
 * regular-expression replacements: in CPU profiles of the projector catching up 50,000 reports,
 * pg's printing took 420 ms, this 100 ms. A string is quoted (only `"` and `\` need escaping
 * inside quotes), a number printed as JavaScript prints it (as pg does), and null or undefined
 * is NULL.
 */
export function arrayLiteral(values: ReadonlyArray<string | number | null | undefined>): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) literal += ',';
    if (value === null || value === undefined) literal += 'NULL';
    else if (typeof value === 'number') literal += String(value);
    else literal += NEEDS_ESCAPE.test(value) ? `"${value.replace(/["\\]/g, '\\$&')}"` : `"${value}"`;
  }
  return `${literal}}`;
}
