/**
 * A repair to kafkajs 2.2.4 (its last release), applied once to its Broker class when this
 * module is loaded (createKafka imports it, so every client of Annals has it).
 *
 * A broker that accepts a connection and then does not answer the ApiVersions request sent on
 * it (a broker frozen, overloaded or still starting) left kafkajs' Broker half connected:
 * `connect()` threw the request's timeout but kept the socket, so every later `connect()` found
 * the broker connected and returned at once, without the protocol versions, and every request
 * failed with "Broker not connected", an error kafkajs does not retry nor reconnect on. Seen in
 * the Kafka chaos scenario: after the broker was frozen for 40 s, the ingestor's dead-letter
 * producer failed every batch that way until the test gave up, minutes after the broker was
 * back (tests/chaos/kafka-faults.spec.ts).
 *
 * The repair: an ApiVersions request that fails closes the broker's connections before the
 * error goes on, inside connect()'s lock, so the next connect() (kafkajs' own retry, or the
 * next request) starts over with a new connection.
 */
interface BrokerInternals {
  connectionPool: { destroy(): Promise<void> };
  apiVersions(): Promise<unknown>;
}

const REPAIRED = Symbol.for('annals.kafkajs.halfConnectedBrokerRepair');

// kafkajs has no types for its internals, nor an export of the Broker class: its source file is
// the only way to it (the version is pinned by the lockfile; the chaos test checks the repair).
const Broker = require('kafkajs/src/broker') as { prototype: BrokerInternals & { [REPAIRED]?: true } };

const prototype = Broker.prototype;
if (!prototype[REPAIRED]) {
  const apiVersions = prototype.apiVersions;
  prototype.apiVersions = async function (this: BrokerInternals) {
    try {
      return await apiVersions.call(this);
    } catch (error) {
      await this.connectionPool.destroy().catch(() => undefined);
      throw error;
    }
  };
  prototype[REPAIRED] = true;
}

export {};
