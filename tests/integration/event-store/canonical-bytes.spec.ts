import { Client } from 'pg';
import { EVENT_BYTES_V1 } from '@annals/event-store/schema/1764300000000-event-store';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * The canonical bytes of an event are what every stored hash was computed over: whatever form
 * event_store.event_bytes takes, it must give the bytes the first form gave, for every value an
 * event can hold, or `verify` would report events stored before as tampered with. Since the log
 * keeps JSON as sent (migration 1764300027000), the events stored before hold jsonb's printed
 * text, which is what the first form hashed; newer events' bytes hold their text as sent.
 */
describe('event store: canonical bytes', () => {
  let db: TestDatabase;
  let admin: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new Client({ connectionString: db.adminUrl });
    await admin.connect();
    // the first form, side by side with the current one
    await admin.query(`CREATE ${EVENT_BYTES_V1.replace('event_store.event_bytes', 'pg_temp.event_bytes_v1')}`);
  });
  afterAll(async () => {
    await admin.end();
    await db.drop();
  });

  const texts = ['plain', 'quote " and backslash \\ and slash /', 'caf\u00e9 \u2603 \ud83d\ude00', 'line\nbreak\ttab\r\u0001\u001f', '\u2028\u2029 \u007f', ''];
  const documents = [
    '{}',
    '[]',
    'null',
    'true',
    '"a top-level string with \\"quotes\\""',
    '0',
    '-0',
    '1.0',
    '1e-7',
    '12345678901234567890.123456789',
    '{"b": 1, "a": [1, 2.50, {"z": null, "y": false}], "c": {"": "empty key", "k\\"ey": "\\u00e9\\u0001x"}}',
    '{"note": "' + 'x'.repeat(3000) + '", "nested": [[[[{"deep": [1, [2, [3]]]}]]]]}',
    '{"reportId": "r-1", "coalitionId": "coalition-against-isis", "country": "FR", "roles": [{"kind": "air-strikes", "theater": "IQ"}]}',
  ];
  const instants = [null, '2014-09-19T00:00:00Z', '1969-12-31T23:59:59.999999Z', '0001-01-01T00:00:00Z', '2999-12-31T23:59:59.123456Z', '2015-12-09T10:11:12.5+03:00'];

  it('the current form, given the text jsonb printed (what the log holds for events stored before), gives the first form\'s bytes for hostile values of every field', async () => {
    const { rows } = await admin.query<{ cases: number; different: number; sample: string | null }>(
      `WITH cases AS (
         SELECT p.pos, t.txt, d.doc::jsonb AS doc, m.doc::jsonb AS meta, i.at::timestamptz AS at, k.key
           FROM unnest($1::bigint[]) p(pos)
          CROSS JOIN unnest($2::text[]) t(txt)
          CROSS JOIN unnest($3::text[]) d(doc)
          CROSS JOIN (SELECT unnest($3::text[]) AS doc LIMIT 4) m
          CROSS JOIN unnest($4::text[]) i(at)
          CROSS JOIN unnest($5::text[]) k(key)
       ),
       compared AS (
         SELECT c.*,
                pg_temp.event_bytes_v1(c.pos, 'stream-1', c.pos, 'type ' || c.txt, 2, c.doc, c.meta, c.at, now(), c.key) AS before,
                event_store.event_bytes(c.pos, 'stream-1', c.pos, 'type ' || c.txt, 2, c.doc::json, c.meta::json, c.at, now(), c.key) AS after
           FROM cases c
       )
       SELECT count(*)::int AS cases, count(*) FILTER (WHERE before IS DISTINCT FROM after)::int AS different,
              (SELECT convert_from(before, 'UTF8') || ' <> ' || convert_from(after, 'UTF8') FROM compared WHERE before IS DISTINCT FROM after LIMIT 1) AS sample
         FROM compared`,
      [['1', '9007199254740993', '9223372036854775807'], texts, documents, instants, [null, ...texts.filter((t) => t !== '')]],
    );
    expect(rows[0]).toEqual({ cases: expect.any(Number), different: 0, sample: null });
    expect(rows[0]!.cases).toBeGreaterThan(10_000);
  });

  it('the payload and the metadata go into the bytes as stored, byte for byte', async () => {
    const payload = '{"z":1,  "a" : [1.50, "\\u00e9"], "a": 2}';
    const metadata = '{ "b":true,"a":null }';
    const { rows } = await admin.query<{ bytes: string }>(
      `SELECT convert_from(event_store.event_bytes(1, 's', 1, 't', 1, $1::json, $2::json, NULL, '2015-12-09Z', NULL), 'UTF8') AS bytes`,
      [payload, metadata],
    );
    expect(rows[0]!.bytes).toBe(`[1, "s", 1, "t", 1, ${payload}, ${metadata}, null, 1449619200000000, null]`);
  });

  it('every field reaches the bytes: changing any one of them changes them', async () => {
    const { rows } = await admin.query<{ distinct: number }>(
      `SELECT count(DISTINCT b)::int AS distinct FROM (VALUES
         (event_store.event_bytes(1, 's', 1, 't', 1, '{}', '{}', '2014-09-19Z', '2015-12-09Z', 'k')),
         (event_store.event_bytes(2, 's', 1, 't', 1, '{}', '{}', '2014-09-19Z', '2015-12-09Z', 'k')),
         (event_store.event_bytes(1, 'S', 1, 't', 1, '{}', '{}', '2014-09-19Z', '2015-12-09Z', 'k')),
         (event_store.event_bytes(1, 's', 2, 't', 1, '{}', '{}', '2014-09-19Z', '2015-12-09Z', 'k')),
         (event_store.event_bytes(1, 's', 1, 'T', 1, '{}', '{}', '2014-09-19Z', '2015-12-09Z', 'k')),
         (event_store.event_bytes(1, 's', 1, 't', 2, '{}', '{}', '2014-09-19Z', '2015-12-09Z', 'k')),
         (event_store.event_bytes(1, 's', 1, 't', 1, '[]', '{}', '2014-09-19Z', '2015-12-09Z', 'k')),
         (event_store.event_bytes(1, 's', 1, 't', 1, '{}', '[]', '2014-09-19Z', '2015-12-09Z', 'k')),
         (event_store.event_bytes(1, 's', 1, 't', 1, '{}', '{}', '2014-09-20Z', '2015-12-09Z', 'k')),
         (event_store.event_bytes(1, 's', 1, 't', 1, '{}', '{}', NULL, '2015-12-09Z', 'k')),
         (event_store.event_bytes(1, 's', 1, 't', 1, '{}', '{}', '2014-09-19Z', '2015-12-10Z', 'k')),
         (event_store.event_bytes(1, 's', 1, 't', 1, '{}', '{}', '2014-09-19Z', '2015-12-09Z', 'K')),
         (event_store.event_bytes(1, 's', 1, 't', 1, '{}', '{}', '2014-09-19Z', '2015-12-09Z', NULL))
       ) v(b)`,
    );
    expect(rows[0]!.distinct).toBe(13);
  });
});
