import { SilentServerError } from '@annals/database';
import { serverError } from '@annals/platform';

/** The error objects as pg and kafkajs give them (their fields, not their classes). */
const pgError = (message: string, code: string) => Object.assign(new Error(message), { severity: 'FATAL', code });

describe('platform: an error a server gave, as one line naming the server', () => {
  it('names PostgreSQL and the SQLSTATE for an error PostgreSQL answered', () => {
    expect(serverError(pgError('password authentication failed for user "annals_app"', '28P01'))).toBe('PostgreSQL: password authentication failed for user "annals_app" (SQLSTATE 28P01)');
    expect(serverError(pgError('database "nope" does not exist', '3D000'))).toBe('PostgreSQL: database "nope" does not exist (SQLSTATE 3D000)');
  });

  it('suggests annals migrate when the tables or schemas are missing', () => {
    expect(serverError(pgError('relation "read_model.coalitions" does not exist', '42P01'))).toMatch(/\(SQLSTATE 42P01\); is the database migrated\? \(annals migrate\)$/);
    expect(serverError(pgError('schema "event_store" does not exist', '3F000'))).toMatch(/annals migrate/);
  });

  it('says PostgreSQL did not answer when the connection failed', () => {
    expect(serverError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe('PostgreSQL did not answer: connect ECONNREFUSED 127.0.0.1:5432');
    expect(serverError(new Error('Connection terminated unexpectedly'))).toBe('PostgreSQL did not answer: Connection terminated unexpectedly');
  });

  it('gives a connection closed on a silent server as it says it, naming PostgreSQL once', () => {
    const silent = new SilentServerError(65000);
    expect(serverError(silent)).toBe(silent.message);
    expect(serverError(silent)!.match(/PostgreSQL/g)).toHaveLength(1);
  });

  it('names Kafka for any kafkajs error', () => {
    const error = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSNumberOfRetriesExceeded' });
    expect(serverError(error)).toBe('Kafka: Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  });

  it('names Kafka for a plain Error thrown by kafkajs itself, and only when kafkajs threw it', () => {
    const thrown = (message: string, frames: string[]) => Object.assign(new Error(message), { stack: [`Error: ${message}`, ...frames.map((f) => `    at ${f}`)].join('\n') });
    const fromKafkaJs = thrown('Broker not connected', [
      'Broker.notInitializedLookup [as lookupRequest] (/srv/annals/node_modules/kafkajs/src/broker/index.js:14:9)',
      'Broker.metadata (/srv/annals/node_modules/kafkajs/src/broker/index.js:175:27)',
    ]);
    expect(serverError(fromKafkaJs)).toBe('Kafka: Broker not connected');
    // Annals' own fault, in code kafkajs called: below it, kafkajs' frames
    const called = thrown("Cannot read properties of undefined (reading 'value')", ['eachMessage (/srv/annals/libs/kafka/src/read-topic-to-end.ts:40:11)', 'Runner.processEachMessage (/srv/annals/node_modules/kafkajs/src/consumer/runner.js:231:20)']);
    expect(serverError(called)).toBeUndefined();
  });

  it('leaves any other error to the caller (a fault of Annals keeps its stack)', () => {
    expect(serverError(new TypeError("Cannot read properties of undefined (reading 'rows')"))).toBeUndefined();
    expect(serverError('a string')).toBeUndefined();
  });
});
