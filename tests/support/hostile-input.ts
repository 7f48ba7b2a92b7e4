import fc from 'fast-check';

/**
 * Hostile message values for fuzzing the contract validator and the ingestor: random bytes,
 * JSON of any shape with hostile strings and keys, deep nesting, and mutations of a valid
 * report (one field replaced, removed or added, at any depth).
 */
export const valid = {
  id: 'tass-2015-12-09-fr',
  type: 'coalition.member-joined',
  occurredAt: '2014-09-19',
  source: { publisher: 'TASS', url: 'https://tass.com/world/842285', publishedAt: '2015-12-09', title: 'Who is fighting ISIS' },
  data: { coalitionId: 'coalition-against-isis', country: 'FR', roles: [{ kind: 'air-strikes', theater: 'IQ' }] },
};
/** Strings an attacker or a broken pipeline would send. */
export const hostileString = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom(
    "'; DROP TABLE event_store.events; --",
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '0000-00-00',
    '275760-09-13',
    '+275760-09-13T00:00:00Z',
    '2014-02-30',
    '2014-09-19T25:00:00Z',
    '2014-09-19T10:00:00',
    '\u0000',
    '\ud800',
    '__proto__',
    'constructor',
    'x'.repeat(100_000),
  ),
);

/** A JSON value of any shape, hostile strings and keys included. */
export const { tree: hostileJson } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('array'), tie('object')),
  leaf: fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
  array: fc.array(tie('tree'), { maxLength: 5 }),
  object: fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'type', 'data')), tie('tree'), {
    maxKeys: 5,
  }),
}));

/** The valid report with one field, at any depth, replaced or removed, or a key added. */
export const mutatedReport = fc
  .tuple(
    fc.constantFrom<string[]>(
      ['id'],
      ['type'],
      ['schemaVersion'],
      ['occurredAt'],
      ['source'],
      ['source', 'publisher'],
      ['source', 'url'],
      ['source', 'publishedAt'],
      ['source', 'title'],
      ['data'],
      ['data', 'coalitionId'],
      ['data', 'country'],
      ['data', 'roles'],
      ['__proto__'],
      ['data', '__proto__'],
      ['constructor', 'prototype'],
    ),
    fc.option(hostileJson, { nil: undefined }),
    fc.nat(),
  )
  .map(([path, value, n]) => {
    // each report its own id, so that an accepted mutation is a new report, not an id conflict
    const copy = { ...(JSON.parse(JSON.stringify(valid)) as Record<string, unknown>), id: `${valid.id}-${n}` };
    let target: Record<string, unknown> = copy;
    for (const step of path.slice(0, -1)) {
      if (typeof target[step] !== 'object' || target[step] === null) target[step] = {};
      target = target[step] as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    if (value === undefined) delete target[last];
    // defineProperty: a key named __proto__ is an own key in the JSON text, as an attacker would send it
    else Object.defineProperty(target, last, { value, enumerable: true, configurable: true, writable: true });
    return JSON.stringify(copy);
  });

/** Deeply nested JSON, far past any sane message. */
export const deepNesting = fc.integer({ min: 100, max: 20_000 }).map((depth) => `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`);


/** Any of the above as Kafka message bytes, with now and then a value near or past the 1 MiB limit. */
export const hostileMessageValue: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: mutatedReport.map((t) => Buffer.from(t)), weight: 6 },
  { arbitrary: hostileJson.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')), weight: 3 },
  { arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), weight: 2 },
  { arbitrary: deepNesting.map((t) => Buffer.from(t)), weight: 1 },
  { arbitrary: fc.integer({ min: 900_000, max: 1_200_000 }).map((n) => Buffer.from(JSON.stringify({ ...valid, source: { ...valid.source, title: 'x'.repeat(n) } }))), weight: 1 },
);
