import { KafkaJSConnectionError } from 'kafkajs';

/**
 * Two repairs to kafkajs 2.2.4 (its last release), applied once to its Broker class when this
 * module is loaded (createKafka imports it, so every client of Annals has them). Both are about
 * the ApiVersions request a broker connection starts with, when the broker accepts the
 * connection and then does not answer (a broker frozen, overloaded or still starting).
 *
 * 1. The broker was left half connected: `connect()` threw the request's timeout but kept the
 *    socket, so every later `connect()` found the broker connected and returned at once, without
 *    the protocol versions, and every request failed with "Broker not connected", an error
 *    kafkajs does not retry nor reconnect on. Seen in the Kafka chaos scenario: after the broker
 *    was frozen for 40 s, the ingestor's dead-letter producer failed every batch that way until
 *    the test gave up, minutes after the broker was back (tests/chaos/kafka-faults.spec.ts). Now
 *    a failed ApiVersions request closes the broker's connections before its error goes on
 *    (inside `connect()`'s lock), so the next `connect()` starts over with a new connection.
 * 2. kafkajs asks for the versions with the connection timeout as the request's timeout, but its
 *    request queue takes the larger of that and the request timeout (30 s): each attempt waited
 *    30 s, and a client's 9 attempts 5 minutes (`annals dlq list` against a silent port). Now the
 *    answer is awaited for the connection timeout, as kafkajs meant, and a broker that does not
 *    answer in time fails the attempt as a connection error, on which kafkajs tries the next
 *    broker of the list.
 */
interface BrokerInternals {
  connectionPool: {
    pool: Array<{ rejectRequests(error: unknown): void }>;
    destroy(): Promise<void>;
    connectionTimeout: number;
    host: string;
    port: number;
  };
  apiVersions(): Promise<unknown>;
}

const REPAIRED = Symbol.for('annals.kafkajs.halfConnectedBrokerRepair');

// kafkajs has no types for its internals, nor an export of the Broker class: its source file is
// the only way to it (the version is pinned by the lockfile; the chaos tests check the repairs).
const Broker = require('kafkajs/src/broker') as { prototype: BrokerInternals & { [REPAIRED]?: true } };

const prototype = Broker.prototype;
if (!prototype[REPAIRED]) {
  const apiVersions = prototype.apiVersions;
  prototype.apiVersions = async function (this: BrokerInternals) {
    const { connectionTimeout, host, port } = this.connectionPool;
    let timer: NodeJS.Timeout | undefined;
    const unanswered = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new KafkaJSConnectionError(`the broker took the connection and did not answer within ${connectionTimeout} ms`, { broker: `${host}:${port}` })),
        connectionTimeout,
      );
    });
    try {
      return await Promise.race([apiVersions.call(this), unanswered]);
    } catch (error) {
      // as kafkajs leaves a connection whose socket failed: its requests rejected first, or closing
      // it would wait for their answers (the unanswered request, for the request timeout)
      for (const connection of this.connectionPool.pool) connection.rejectRequests(error);
      await this.connectionPool.destroy().catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
  prototype[REPAIRED] = true;
}
