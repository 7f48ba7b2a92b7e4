import fc from 'fast-check';
import type { Pool } from 'pg';
import { arrayLiteral } from '@annals/database';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * The projector sends its batches' ids, names and instants as array literals it prints itself
 * (arrayLiteral): PostgreSQL must read back exactly the values sent, whatever the text holds.
 */
describe('arrayLiteral: PostgreSQL reads back the values sent', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool({ max: 1 });
  });
  afterAll(() => db.drop());

  const tricky = fc.oneof(
    fc.string({ unit: 'binary' }).map((s) => s.replace(/\u0000/g, '')), // text cannot hold NUL
    fc.constantFrom('', 'NULL', 'null', '"', '\\', '\\"', '{', '}', ',', ' a ', '{"a","b"}', 'a,b', '\t\n', 'ü€😀'),
  );

  it('text, with NULLs, quotes, backslashes, braces, commas, blanks and any Unicode', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(tricky, { nil: null }), { maxLength: 40 }), async (values) => {
        const { rows } = await pool.query<{ back: Array<string | null> }>('SELECT $1::text[] AS back', [arrayLiteral(values)]);
        expect(rows[0]!.back).toEqual(values);
      }),
      { numRuns: 300 },
    );
  });

  it('numbers as bigint and float8, with NULLs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), { nil: null }), { maxLength: 40 }), async (values) => {
        const { rows } = await pool.query<{ back: Array<string | null>; floats: Array<number | null> }>('SELECT $1::bigint[] AS back, $1::float8[] AS floats', [
          arrayLiteral(values),
        ]);
        expect(rows[0]!.back.map((v) => (v === null ? null : Number(v)))).toEqual(values);
        expect(rows[0]!.floats).toEqual(values);
      }),
      { numRuns: 200 },
    );
  });
});
