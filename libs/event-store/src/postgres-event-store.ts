import type { Pool, PoolClient } from 'pg';
import { inTransaction, READ_ONLY_SNAPSHOT } from '@annals/database/in-transaction';
import { ConcurrencyError, InvalidAppendError } from './errors';
import { encodeExpectedVersion, type ExpectedVersion } from './expected-version';
import type { AppendResult, Checkpoint, NewEvent, StoredEvent, StoredEventCore, StoredEventKeys } from './events';
import { START } from './events';
import { EventTypeRegistry } from './upcasting/event-type-registry';
import type { LogAnchor } from './log-anchor';
import { AppendBatcher } from './append-batcher';
import { refusedInJson } from './json-the-log-refuses';

export interface AppendOptions {
  expectedVersion: ExpectedVersion;
  /** Recorded on the stream when the append creates it. Defaults to the stream id's prefix before '-'. */
  streamType?: string;
}

export interface ReadStreamOptions {
  fromVersion?: number;
  /** Time travel: nothing after this stream version. */
  toVersion?: number;
  /** Time travel: nothing recorded after this instant. */
  recordedUpTo?: Date;
  limit?: number;
}

export interface ReadAllResult<E extends StoredEventCore = StoredEvent> {
  events: E[];
  /** Where the next read starts: the last event's checkpoint, or the given one when nothing was read. */
  checkpoint: Checkpoint;
}

export interface BrokenLink {
  position: number | null;
  streamId: string;
  streamVersion: number;
  problem: string;
}

/** What `audit` found, all of one snapshot of the log. */
export interface LogAudit {
  /** Every broken link, first first; empty when the chains hold. */
  problems: BrokenLink[];
  /** The events and streams the chains were checked over. */
  events: number;
  streams: number;
  /** The log's anchor in the same snapshot: it covers only events this audit checked (none yet: undefined). */
  anchor: LogAnchor | undefined;
  /** Given an anchor kept before: the log's digest up to its place, in the same snapshot. */
  atKept: Omit<LogAnchor, 'transactionId' | 'position'> | undefined;
}

export interface HorizonHolder {
  pid: number | null;
  database: string | null;
  user: string | null;
  applicationName: string | null;
  state: string | null;
  transactionStarted: Date | null;
  heldForSeconds: number;
  query: string | null;
}

interface EventCoreRow {
  position: number;
  transaction_id: string;
  stream_id: string;
  stream_version: number;
  event_type: string;
  schema_version: number;
  payload: unknown;
  recorded_at: Date;
}

interface EventRow extends EventCoreRow {
  metadata: Record<string, unknown>;
  occurred_at: Date | null;
  idempotency_key: string | null;
  hash: Buffer;
}

const EVENT_CORE_COLUMNS = 'position, transaction_id::text AS transaction_id, stream_id, stream_version, event_type, schema_version, payload, recorded_at';
const EVENT_COLUMNS = `${EVENT_CORE_COLUMNS}, metadata, occurred_at, idempotency_key, hash`;

interface AppendedRow {
  idempotency_key: string | null;
  position: number;
  stream_id: string;
  stream_version: number;
  duplicate: boolean;
}

/**
 * event_store.append's answer, one row for the call (migration 1764300026000): the positions as
 * text ("1,2,3", split here: the call's usual answer is little else), the first new event's
 * stream version, and the duplicates with their originals' places (the versions as strings: pg
 * reads a bigint[] so).
 */
interface AppendAnswer {
  positions: string;
  first_version: number | null;
  duplicates: number[];
  original_stream_ids: string[];
  original_versions: string[];
}

/** One stream's part of an appendMany call. */
export interface AppendRequest {
  streamId: string;
  events: ReadonlyArray<NewEvent>;
  options: AppendOptions;
}

/**
 * A parameter holding a JSON array, as the json[] of its elements, in order: each element's text
 * exactly as sent, which the log keeps and the chain hashes (migration 1764300027000).
 *
 * A call's payloads and metadata travel as one JSON document each (the events' values in call
 * order), unpacked here. As array parameters, pg would escape every document into an array
 * literal (a regex pass over each) and PostgreSQL's array_in would unescape it again before
 * parsing it. Measured (as jsonb, before 1764300027000) at 2 to 500 events per call, with 1 and
 * 8 writers: never slower, and up to a fifth less of Node's CPU
 * (docs/decisions/0004-append-function.md, the amendments on payload documents).
 */
const jsonArray = (param: string) => `ARRAY(SELECT x.v FROM json_array_elements(${param}::json) WITH ORDINALITY AS x(v, i) ORDER BY x.i)`;

/**
 * Named: each connection parses and plans a call once, not on every append. Exported for the
 * benchmark's statement-by-statement anatomy, which calls a copy of the function the same way.
 */
export const APPEND_STATEMENT = {
  name: 'event_store.append',
  text: `SELECT array_to_string(a.positions, ',') AS positions, a.first_version, a.duplicates, a.original_stream_ids, a.original_versions
           FROM event_store.append($1, $2, $3, $4::text[], $5::int[], ${jsonArray('$6')}, ${jsonArray('$7')}, $8::timestamptz[], $9::text[]) a`,
};
const APPEND_MANY = {
  name: 'event_store.append_many',
  text: `SELECT * FROM event_store.append_many($1::text[], $2::text[], $3::bigint[], $4::int[], $5::text[], $6::int[], ${jsonArray('$7')}, ${jsonArray('$8')}, $9::timestamptz[], $10::text[])`,
};

/**
 * A call of one event (a command handler's usual call): event_store.append_one, its arguments as
 * scalars, which neither side has to print, escape and parse as arrays (migration 1764300013000).
 */
const APPEND_ONE = { name: 'event_store.append_one', text: 'SELECT * FROM event_store.append_one($1, $2, $3, $4, $5, $6::json, $7::json, $8, $9)' };

const STREAM_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;

function checkAppend(streamId: string, events: ReadonlyArray<NewEvent>): void {
  if (!STREAM_ID.test(streamId)) throw new InvalidAppendError(`stream id ${JSON.stringify(streamId)} must match ${STREAM_ID}`);
  if (events.length === 0) throw new InvalidAppendError('append needs at least one event');
}

type EventArguments = [type: string, schemaVersion: number, data: unknown, metadata: unknown, occurredAt: Date | null, key: string | null];

/** Where an event of a call is, for the errors that name it: its stream and its place among that stream's events. */
const placeOf = (streamId: string, i: number) => `stream ${JSON.stringify(streamId)}, event ${i + 1}`;

/** The place of each event of a call, by its index in the call (see placeOf). */
type EventPlaces = (k: number) => string;

/**
 * The events' data or metadata (`values`, in call order) as one JSON document. A value JSON
 * cannot hold (a BigInt, a cycle, a toJSON that throws) is refused as an InvalidAppendError
 * naming the event and the field, before anything is sent: AppendBatcher then fails only that
 * append, where JSON.stringify's TypeError would have failed every append sharing its call. The
 * events are stringified one by one only to find the one at fault. So is a value holding what
 * the log refuses (U+0000, an unpaired surrogate: refusedInJson), which jsonb refused in
 * PostgreSQL before the log kept JSON as sent.
 */
function jsonColumn(values: unknown[], field: 'data' | 'metadata', places: EventPlaces): string {
  let json: string;
  try {
    json = JSON.stringify(values);
  } catch (error) {
    values.forEach((value, k) => jsonText(value, field, places(k)));
    throw error;
  }
  // (one search of the whole call's text; each event's own only when that found one)
  if (refusedInJson(json, field)) values.forEach((value, k) => jsonText(value, field, places(k)));
  return json;
}

/** One event's data or metadata as JSON text, refused as in jsonColumn, or when it holds what the log refuses (refusedInJson). */
function jsonText(value: unknown, field: 'data' | 'metadata', place: string): string {
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    // (the first line: V8 draws the path of a cycle on the next ones)
    throw new InvalidAppendError(`${place}: ${field} is not JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const refused = json === undefined ? undefined : refusedInJson(json, field);
  if (refused) throw new InvalidAppendError(`${place}: ${refused}; the log does not take it`);
  return json;
}

/**
 * An event's arguments, refused with its stream, its place among the stream's events and the
 * field when PostgreSQL could not take them as its parameters' types (integer, timestamptz):
 * before anything is sent, so nothing is written. (pg would print an invalid Date as
 * "0NaN-NaN-NaN..." and PostgreSQL would refuse the whole call naming neither the event nor the
 * field.)
 */
function checkedEventArguments(args: EventArguments, streamId: string, i: number): EventArguments {
  const [, schemaVersion, data, metadata, occurredAt] = args;
  // (the place is written only for an error: this runs for every event the ingestor appends)
  const refuse = (problem: string) => new InvalidAppendError(`${placeOf(streamId, i)}: ${problem}`);
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > 2_147_483_647) {
    throw refuse(`schemaVersion must be an integer from 1 to 2147483647, got ${String(schemaVersion)}`);
  }
  if (occurredAt !== null && (!(occurredAt instanceof Date) || Number.isNaN(occurredAt.getTime()))) {
    throw refuse(`occurredAt must be a valid Date, got ${String(occurredAt)}`);
  }
  // JSON text has no function or symbol: JSON.stringify would leave the field out, or write null
  if (typeof data === 'function' || typeof data === 'symbol') throw refuse(`data is not JSON: a ${typeof data}`);
  if (typeof metadata === 'function' || typeof metadata === 'symbol') throw refuse(`metadata is not JSON: a ${typeof metadata}`);
  return args;
}

/**
 * The events of an append as event_store.append answered them (AppendAnswer), in call order:
 * a new event in `streamId` at the next version after the new events before it, a duplicate
 * where its original is.
 */
function answeredEvents(streamId: string, args: ReadonlyArray<EventArguments>, answer: AppendAnswer): AppendResult['events'] {
  const positions = answer.positions.split(',');
  const duplicates = new Map(answer.duplicates.map((place, d) => [place - 1, d]));
  let version = answer.first_version ?? 0;
  return args.map((event, i) => {
    const d = duplicates.get(i);
    const place =
      d === undefined
        ? { streamId, streamVersion: version++, duplicate: false }
        : { streamId: answer.original_stream_ids[d]!, streamVersion: Number(answer.original_versions[d]), duplicate: true };
    const [, , , , , idempotencyKey] = event;
    return { position: Number(positions[i]), ...place, idempotencyKey };
  });
}

function streamTypeOf(streamId: string, options: AppendOptions): string {
  return options.streamType ?? streamId.split('-')[0]!;
}
/** A second writer racing on the same new idempotency key in another stream loses here; a retry finds the key. */
const IDEMPOTENCY_RACE_RETRIES = 3;

/**
 * The event store: a thin, typed face on the SQL functions of the event_store schema
 * (libs/event-store/src/schema). All the rules that keep the log trustworthy run in
 * PostgreSQL; this class encodes arguments, decodes rows and upcasts old shapes.
 */
export class PostgresEventStore {
  private wakeUpTimer: NodeJS.Timeout | undefined;
  /** The calls `append` shares (see append). */
  private readonly shared = new AppendBatcher(this, 50, { sendAloneWhenIdle: true });

  constructor(
    private readonly pool: Pool,
    readonly registry: EventTypeRegistry = new EventTypeRegistry(),
  ) {}

  /**
   * Wakes subscribers (LISTEN event_store_appended) at most every 20 ms after appends: a NOTIFY
   * inside every append would serialize all writers' commits on PostgreSQL's notify queue lock.
   * Polling remains the fallback, so a lost wake-up only delays a subscriber.
   */
  private wakeSubscribers(): void {
    if (this.wakeUpTimer) return;
    this.wakeUpTimer = setTimeout(() => {
      this.wakeUpTimer = undefined;
      this.pool.query("SELECT pg_notify('event_store_appended', '')").catch(() => undefined);
    }, 20);
    this.wakeUpTimer.unref();
  }

  /**
   * Appends atomically: all of the events or none. Throws ConcurrencyError on a version mismatch,
   * InvalidAppendError for a request the store refuses.
   *
   * Appends that this store's callers submit in the same tick (writers side by side in one
   * process) share calls (a round trip, a transaction, a commit) of up to 50 events, by
   * AppendBatcher's rules: each append is still checked, answered and refused on its own (a
   * version mismatch fails only its append; a call refused for one append's data is sent again
   * one append per call), and a stream's appends go in submission order. An append submitted
   * while none is out goes at once, alone, as appendAlone: a writer on its own, which waits for
   * each append, pays nothing for the sharing. Sharing is what lets writers side by side spend
   * less than a transaction each: docs/decisions/0019-append-shares-calls.md.
   */
  append(streamId: string, events: ReadonlyArray<NewEvent>, options: AppendOptions): Promise<AppendResult> {
    // refused at once, before it could share a call (and make the call be sent again one append at a time)
    try {
      checkAppend(streamId, events);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.shared.append(streamId, events, options);
  }

  /**
   * Appends in a call of its own: one round trip and one transaction. Throws ConcurrencyError on
   * a version mismatch. The building block of `append` and AppendBatcher; a caller that must not
   * share its transaction with another writer's appends calls it directly.
   */
  async appendAlone(streamId: string, events: ReadonlyArray<NewEvent>, options: AppendOptions): Promise<AppendResult> {
    checkAppend(streamId, events);
    const expected = encodeExpectedVersion(options.expectedVersion, streamId);
    const args = this.checkedArguments(streamId, events);
    const call = async <R extends object>(statement: { name: string; text: string }, columns: unknown[]): Promise<R[]> =>
      this.withIdempotencyRaceRetries(async () => {
        try {
          const { rows } = await this.pool.query<R>({ ...statement, values: [streamId, streamTypeOf(streamId, options), expected, ...columns] });
          return rows;
        } catch (error) {
          const pgError = error as { code?: string; detail?: string };
          if (pgError.code === 'AE001') throw new ConcurrencyError(streamId, options.expectedVersion, Number(pgError.detail));
          throw error;
        }
      });
    if (args.length === 1) return this.appended(streamId, await call<AppendedRow>(APPEND_ONE, this.eventValues(args[0]!, placeOf(streamId, 0))));
    const [answer] = await call<AppendAnswer>(APPEND_STATEMENT, this.eventColumns(args, (k) => placeOf(streamId, k)));
    return this.result(streamId, answeredEvents(streamId, args, answer!));
  }

  /**
   * Appends to many streams in one round trip and one transaction (event_store.append_many),
   * each as `append` would. A stream whose expected version does not match comes back as a
   * ConcurrencyError in its place, with nothing of it written; the other streams are written.
   * A stream may appear once per call.
   */
  async appendMany(requests: ReadonlyArray<AppendRequest>): Promise<Array<AppendResult | ConcurrencyError>> {
    if (requests.length === 0) return [];
    for (const r of requests) checkAppend(r.streamId, r.events);
    const expected = requests.map((r) => encodeExpectedVersion(r.options.expectedVersion, r.streamId));
    if (new Set(requests.map((r) => r.streamId)).size !== requests.length) throw new InvalidAppendError('appendMany: a stream may appear once per call');
    const events = requests.flatMap((r) => this.checkedArguments(r.streamId, r.events));
    const streamOf = requests.flatMap((r, i) => r.events.map(() => i + 1));
    // event k's place, looked up only for an error
    const places = (k: number) => placeOf(requests[streamOf[k]! - 1]!.streamId, k - streamOf.indexOf(streamOf[k]!));
    const columns = this.eventColumns(events, places);
    const rows = await this.withIdempotencyRaceRetries(async () => {
      const { rows } = await this.pool.query<AppendedRow & { request: number; conflict: number | null }>({
        ...APPEND_MANY,
        values: [
          requests.map((r) => r.streamId),
          requests.map((r) => streamTypeOf(r.streamId, r.options)),
          expected,
          streamOf,
          ...columns,
        ],
      });
      return rows;
    });
    // rows come per stream; put them back in each request's event order
    const byRequest = requests.map(() => [] as Array<AppendedRow & { request: number; conflict: number | null }>);
    for (const row of [...rows].sort((a, b) => a.request - b.request)) byRequest[streamOf[row.request - 1]! - 1]!.push(row);
    return requests.map((r, i) => {
      const own = byRequest[i]!;
      const conflict = own.find((row) => row.conflict !== null);
      if (conflict) return new ConcurrencyError(r.streamId, r.options.expectedVersion, Number(conflict.conflict));
      return this.appended(r.streamId, own);
    });
  }

  /** One event's arguments, in the functions' order, with the defaults every form applies. */
  private eventArguments(e: NewEvent): EventArguments {
    return [e.type, e.schemaVersion ?? this.registry.currentVersion(e.type), e.data ?? null, e.metadata ?? {}, e.occurredAt ?? null, e.idempotencyKey ?? null];
  }

  /** A stream's events' arguments, each checked (checkedEventArguments). */
  private checkedArguments(streamId: string, events: ReadonlyArray<NewEvent>): EventArguments[] {
    return events.map((e, i) => checkedEventArguments(this.eventArguments(e), streamId, i));
  }

  /** The per-event columns of event_store.append and append_many, in their order, the payloads and metadata as one document each. */
  private eventColumns(rows: ReadonlyArray<EventArguments>, places: EventPlaces): unknown[] {
    const column = (i: number) => rows.map((row) => row[i]);
    return [column(0), column(1), jsonColumn(column(2), 'data', places), jsonColumn(column(3), 'metadata', places), column(4), column(5)];
  }

  /** One event's arguments of event_store.append_one, in their order. */
  private eventValues([type, schemaVersion, data, metadata, occurredAt, key]: EventArguments, place: string): unknown[] {
    return [type, schemaVersion, jsonText(data, 'data', place), jsonText(metadata, 'metadata', place), occurredAt, key];
  }

  /**
   * Two writers racing with the same new key into different streams: the loser's retry finds the
   * key stored. (Since migration 1764300024000 the call itself mostly settles the race: the loser's
   * first attempt meets the committed key and its checked path answers it. The retry stays for a
   * race that reaches the checked path's own INSERT.)
   */
  private async withIdempotencyRaceRetries<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const pgError = error as { code?: string; constraint?: string; message: string };
        if (pgError.code === 'AE002') throw new InvalidAppendError(pgError.message);
        if (pgError.code === '23505' && pgError.constraint === 'events_idempotency_key' && attempt < IDEMPOTENCY_RACE_RETRIES) continue;
        throw error;
      }
    }
  }

  /** The result of a call answered with a row per event (append_one, append_many). */
  private appended(streamId: string, rows: ReadonlyArray<AppendedRow>): AppendResult {
    return this.result(
      streamId,
      rows.map((r) => ({ position: r.position, streamId: r.stream_id, streamVersion: r.stream_version, idempotencyKey: r.idempotency_key, duplicate: r.duplicate })),
    );
  }

  /** An append's result from its events, in call order; subscribers are woken if one was written. */
  private result(streamId: string, events: AppendResult['events']): AppendResult {
    if (events.some((e) => !e.duplicate)) this.wakeSubscribers();
    const own = events.filter((e) => e.streamId === streamId).map((e) => e.streamVersion);
    return { streamId, nextExpectedVersion: own.length ? Math.max(...own) : 0, events };
  }

  /** A stream's events in version order (all of them by default). */
  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const rows = await this.selectStream<EventRow>(EVENT_COLUMNS, streamId, options);
    return rows.map((row) => this.toStoredEvent(row));
  }

  /**
   * A stream's events as StoredEventKeys, in version order, with the values of `metadataKeys`;
   * the same options as readStream. PostgreSQL extracts the values (->>), so Node decodes a few
   * short strings per event, not the metadata's JSON.
   */
  async readStreamKeys(streamId: string, metadataKeys: ReadonlyArray<string>, options: ReadStreamOptions = {}): Promise<StoredEventKeys[]> {
    // the keys' values as columns m0, m1, ... (the keys are parameters from $6 on)
    const columns = ['stream_version', 'idempotency_key', ...metadataKeys.map((_, i) => `metadata ->> $${i + 6} AS m${i}`)].join(', ');
    const rows = await this.selectStream<{ stream_version: number; idempotency_key: string | null } & Record<string, string | null>>(columns, streamId, options, metadataKeys);
    return rows.map((row) => {
      const metadata: Record<string, string> = {};
      metadataKeys.forEach((key, i) => {
        const value = row[`m${i}`];
        if (value !== null && value !== undefined) metadata[key] = value;
      });
      return { streamVersion: row.stream_version, idempotencyKey: row.idempotency_key, metadata };
    });
  }

  private async selectStream<R extends object>(columns: string, streamId: string, options: ReadStreamOptions, more: ReadonlyArray<unknown> = []): Promise<R[]> {
    const { rows } = await this.pool.query<R>(
      `SELECT ${columns} FROM event_store.events
        WHERE stream_id = $1 AND stream_version >= $2 AND stream_version <= $3
          AND ($4::timestamptz IS NULL OR recorded_at <= $4)
        ORDER BY stream_version
        LIMIT $5`,
      [streamId, options.fromVersion ?? 1, options.toVersion ?? Number.MAX_SAFE_INTEGER, options.recordedUpTo ?? null, options.limit ?? null, ...more],
    );
    return rows;
  }

  /** The highest global position stored (0 for an empty log): one probe of the primary key. */
  async lastPosition(): Promise<number> {
    const { rows } = await this.pool.query<{ position: number }>('SELECT coalesce(max(position), 0) AS position FROM event_store.events');
    return Number(rows[0]!.position);
  }

  async streamVersion(streamId: string): Promise<number> {
    const { rows } = await this.pool.query<{ version: number }>('SELECT version FROM event_store.streams WHERE stream_id = $1', [streamId]);
    return rows[0]?.version ?? 0;
  }

  /**
   * The next events after a checkpoint, in (transaction id, position) order, never past a
   * transaction still running: see event_store.read_all and docs/decisions/0003-global-order.md.
   * Pass a client to read inside your own transaction (subscriptions do).
   */
  async readAll(after: Checkpoint = START, limit = 500, client?: PoolClient): Promise<ReadAllResult> {
    return this.readAfter<EventRow, StoredEvent>(EVENT_COLUMNS, (row) => this.toStoredEvent(row), after, limit, client);
  }

  /**
   * The checkpoint of the last event a catch-up reader can read now (START when there is none):
   * the end of the log below the horizon. A reader that stops there reads a log that no later
   * commit changes: every transaction still running has a larger transaction id.
   */
  async horizon(): Promise<Checkpoint> {
    const { rows } = await this.pool.query<{ transaction_id: string; position: number }>(
      `SELECT e.transaction_id::text AS transaction_id, e.position
         FROM event_store.events e
        WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY e.transaction_id DESC, e.position DESC
        LIMIT 1`,
    );
    const row = rows[0];
    return row ? { transactionId: row.transaction_id, position: Number(row.position) } : START;
  }

  /** readAll, each event read as its core (StoredEventCore): for readers that only apply events. */
  async readAllCores(after: Checkpoint = START, limit = 500, client?: PoolClient): Promise<ReadAllResult<StoredEventCore>> {
    return this.readAfter<EventCoreRow, StoredEventCore>(EVENT_CORE_COLUMNS, (row) => this.toStoredEventCore(row), after, limit, client);
  }

  private async readAfter<R extends EventCoreRow, E extends StoredEventCore>(
    columns: string,
    toEvent: (row: R) => E,
    after: Checkpoint,
    limit: number,
    client: PoolClient | undefined,
  ): Promise<ReadAllResult<E>> {
    const { rows } = await (client ?? this.pool).query<R>(`SELECT ${columns} FROM event_store.read_all($1::xid8, $2, $3)`, [after.transactionId, after.position, limit]);
    const events = rows.map(toEvent);
    const last = events[events.length - 1];
    return { events, checkpoint: last ? { transactionId: last.transactionId, position: last.position } : after };
  }

  async findByIdempotencyKey(key: string): Promise<StoredEvent | undefined> {
    const { rows } = await this.pool.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM event_store.events WHERE idempotency_key = $1`, [key]);
    return rows[0] ? this.toStoredEvent(rows[0]) : undefined;
  }

  async findByPosition(position: number): Promise<StoredEvent | undefined> {
    const { rows } = await this.pool.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM event_store.events WHERE position = $1`, [position]);
    return rows[0] ? this.toStoredEvent(rows[0]) : undefined;
  }

  /** Every broken link of the hash chains, first (lowest position) first; empty when the log is intact. */
  async verify(db: Pool | PoolClient = this.pool): Promise<BrokenLink[]> {
    const { rows } = await db.query<{ position: number | null; stream_id: string; stream_version: number; problem: string }>(
      'SELECT * FROM event_store.verify()',
    );
    return rows.map((r) => ({ position: r.position, streamId: r.stream_id, streamVersion: r.stream_version, problem: r.problem }));
  }

  /** The log's anchor now: a digest of every event below the horizon (none yet: undefined). */
  async logAnchor(db: Pool | PoolClient = this.pool): Promise<LogAnchor | undefined> {
    const { rows } = await db.query<{ transaction_id: string; position: string; events: string; digest: Buffer }>('SELECT * FROM event_store.log_anchor()');
    const row = rows[0];
    return row ? { transactionId: row.transaction_id, position: String(row.position), events: Number(row.events), digest: row.digest.toString('hex') } : undefined;
  }

  /** The log's digest up to an anchor's place, now: equal to the anchor's while that part of the log is unchanged. */
  async logDigest(place: Pick<LogAnchor, 'transactionId' | 'position'>, db: Pool | PoolClient = this.pool): Promise<Omit<LogAnchor, 'transactionId' | 'position'>> {
    const { rows } = await db.query<{ events: string; digest: Buffer }>('SELECT * FROM event_store.log_digest($1::xid8, $2::bigint)', [place.transactionId, place.position]);
    return { events: Number(rows[0]!.events), digest: rows[0]!.digest.toString('hex') };
  }

  /**
   * `annals verify`'s whole check in one snapshot of the log (a read-only REPEATABLE READ
   * transaction): the chains, the log's size, the digest up to an anchor kept before, and the
   * new anchor. Taken statement by statement while writers commit, the anchor printed after
   * the chains were checked could cover events committed since, which no check had read, and
   * the count of events "verified" could include them. A read-only transaction takes no
   * transaction id, so it holds back no catch-up reader.
   */
  async audit(kept?: Pick<LogAnchor, 'transactionId' | 'position'>): Promise<LogAudit> {
    return inTransaction(
      this.pool,
      async (client) => {
        const problems = await this.verify(client);
        const { rows } = await client.query<{ events: number; streams: number }>(
          'SELECT (SELECT count(*) FROM event_store.events)::int AS events, (SELECT count(*) FROM event_store.streams)::int AS streams',
        );
        const atKept = kept ? await this.logDigest(kept, client) : undefined;
        return { problems, events: rows[0]!.events, streams: rows[0]!.streams, atKept, anchor: await this.logAnchor(client) };
      },
      READ_ONLY_SNAPSHOT,
    );
  }

  /** Sessions whose open transactions keep catch-up readers from moving past them, oldest first. */
  async horizonHolders(): Promise<HorizonHolder[]> {
    const { rows } = await this.pool.query<{
      pid: number | null;
      database: string | null;
      usename: string | null;
      application_name: string | null;
      state: string | null;
      transaction_started: Date | null;
      held_seconds: number;
      query: string | null;
    }>('SELECT *, extract(epoch FROM held_for)::float8 AS held_seconds FROM event_store.horizon_holders()');
    return rows.map((r) => ({
      pid: r.pid,
      database: r.database,
      user: r.usename,
      applicationName: r.application_name,
      state: r.state,
      transactionStarted: r.transaction_started,
      heldForSeconds: r.held_seconds ?? 0,
      query: r.query,
    }));
  }

  private toStoredEventCore(row: EventCoreRow): StoredEventCore {
    const { data, schemaVersion } = this.registry.upcast(row.event_type, row.schema_version, row.payload);
    return {
      position: row.position,
      transactionId: row.transaction_id,
      streamId: row.stream_id,
      streamVersion: row.stream_version,
      type: row.event_type,
      schemaVersion,
      storedSchemaVersion: row.schema_version,
      data,
      recordedAt: row.recorded_at,
    };
  }

  private toStoredEvent(row: EventRow): StoredEvent {
    return {
      ...this.toStoredEventCore(row),
      metadata: row.metadata,
      occurredAt: row.occurred_at,
      idempotencyKey: row.idempotency_key,
      hash: row.hash.toString('hex'),
    };
  }
}
