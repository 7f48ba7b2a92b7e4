import { Pool } from 'pg';
import { kafkaClientSettings } from '@annals/config';
import { createKafka } from '@annals/kafka';
import { createTestDatabase, eventually, uniqueName, type TestDatabase } from '@annals/testing';
import { ChaosKafka } from './support/chaos-kafka';
import { appEnv, ingestor, projector } from './support/apps';
import { checkExactlyOnce, produceAll, recover, SHORT, until, workload } from './support/scenario';

describe('chaos: Kafka brokers restarted, frozen and killed during ingestion', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  /**
   * One broker, the apps ingesting: half the messages published, `fault` while they are being
   * ingested, the other half published; then nothing may be lost or duplicated.
   */
  async function singleBrokerFault(input: { name: string; port: number; seed: number; scenario: string; fault: (kafka: ChaosKafka) => Promise<void> }): Promise<void> {
    // below the ephemeral port range, as tools/stack/profiles.ts explains
    const kafka = await new ChaosKafka(input.name, 1, input.port).start();
    try {
      const topic = uniqueName('chaos-kafka');
      const env = appEnv({ brokers: kafka.brokers, databaseUrl: db.appUrl, topic, group: `${topic}-g` });
      const { messages, valid, invalid } = workload(topic, SHORT ? 6_000 : 20_000, input.seed);
      const apps = [ingestor(`kafka-${input.name}`), projector(`kafka-${input.name}`)];
      for (const app of apps) app.start(env);
      const pool = new Pool({ connectionString: db.appUrl, max: 1 });
      const stored = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;
      const half = Math.ceil(messages.length / 2);
      await produceAll(kafka.client(), env, messages.slice(0, half), 500);
      await until('ingestion under way', async () => (await stored()) > 300, 120_000);
      await input.fault(kafka);
      await produceAll(kafka.client(), env, messages.slice(half), 500);
      const recoverSeconds = await recover({ kafka: kafka.client(), env, pool, apps });
      const outcome = await checkExactlyOnce({ scenario: input.scenario, kafka: kafka.client(), databaseUrl: db.appUrl, dlqTopic: `${topic}.dlq`, topic, valid, invalid, faults: 1, recoverSeconds });
      expect(outcome).toMatchObject({ lost: 0, duplicated: 0 });
    } finally {
      await kafka.destroy();
    }
  }

  it('a single broker restarted during ingestion: nothing lost, nothing duplicated', async () => {
    await singleBrokerFault({
      name: 'restart',
      port: 24092,
      seed: 5,
      scenario: 'Kafka broker restart',
      fault: async (kafka) => {
        await kafka.nodes[0]!.stop(); // a controlled restart...
        await kafka.restart(0);
      },
    });
  });

  it('a single broker frozen (SIGSTOP) during ingestion, past the session and request timeouts: nothing lost, nothing duplicated', async () => {
    await singleBrokerFault({
      name: 'freeze',
      port: 24500,
      seed: 6,
      scenario: 'Kafka broker frozen 40 s',
      fault: async (kafka) => {
        kafka.freeze(0);
        try {
          // longer than the group's session (6 s) and kafkajs' request timeout (30 s)
          await new Promise((resolve) => setTimeout(resolve, 40_000));
        } finally {
          kafka.thaw(0);
        }
      },
    });
  });

  it("a client that connected to a frozen broker (the connection taken, the ApiVersions request unanswered) works once the broker is back", async () => {
    const kafka = await new ChaosKafka('frozen-connect', 1, 24700).start();
    try {
      // one attempt, 1 s for an answer: the connect fails while the broker is frozen
      const client = createKafka(kafkaClientSettings.parse({ KAFKA_BROKERS: kafka.brokers }), 'chaos', undefined, { connectionTimeout: 1_000, retry: { retries: 0 } });
      const admin = client.admin();
      // a topic of the broker's, made by another client, for the repaired one to find once it answers again
      const other = kafka.client().admin();
      await other.connect();
      await other.createTopics({ topics: [{ topic: 'made-before-the-freeze', numPartitions: 1 }], waitForLeaders: true });
      await other.disconnect();
      kafka.freeze(0);
      try {
        await expect(admin.connect()).rejects.toThrow('the broker took the connection and did not answer within 1000 ms');
      } finally {
        kafka.thaw(0);
      }
      // kafkajs 2.2.4 kept the half-made connection and answered "Broker not connected" to every later request
      const topics = await eventually('the broker to answer the client again', () => admin.listTopics().catch(() => undefined), 30_000, 500);
      expect(topics).toContain('made-before-the-freeze');
      await admin.disconnect();
    } finally {
      await kafka.destroy();
    }
  });

  it('a three-broker cluster (RF 3, min ISR 2) with one broker killed and brought back: nothing lost, nothing duplicated', async () => {
    const kafka = await new ChaosKafka('cluster', 3, 24300).start();
    try {
      const topic = uniqueName('chaos-cluster');
      const env = appEnv({ brokers: kafka.brokers, databaseUrl: db.appUrl, topic, group: `${topic}-g`, partitions: 6, replication: 3 });
      const { messages, valid, invalid } = workload(topic, SHORT ? 6_000 : 20_000, 6);
      const apps = [ingestor('kafka-cluster'), projector('kafka-cluster')];
      for (const app of apps) app.start(env);
      const pool = new Pool({ connectionString: db.appUrl, max: 1 });
      const stored = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;
      const admin = kafka.client().admin();
      await admin.connect();
      // A broker answers a topic's metadata once it has applied the topic's creation, which the
      // three do one after another: listTopics, answered by one of them, may come first, and a
      // metadata request to another then fails with "does not host this topic-partition".
      let metadata: Awaited<ReturnType<typeof admin.fetchTopicMetadata>> | undefined;
      await until('the ingestor to create its replicated topic, and a broker to serve its metadata', async () => {
        if (!(await admin.listTopics()).includes(topic)) return false;
        metadata = await admin.fetchTopicMetadata({ topics: [topic] });
        return true;
      }, 120_000);
      expect(metadata!.topics[0]!.partitions.every((p) => p.replicas.length === 3)).toBe(true);
      await admin.disconnect();
      // the producer keeps publishing (acks=all, idempotent) while a broker dies and comes back
      const publishing = produceAll(kafka.client(), env, messages, 250, 20);
      await until('ingestion under way', async () => (await stored()) > 300, 120_000);
      await kafka.kill(1);
      await new Promise((resolve) => setTimeout(resolve, SHORT ? 3_000 : 10_000));
      await kafka.restart(1);
      await publishing;
      const recoverSeconds = await recover({ kafka: kafka.client(), env, pool, apps });
      const outcome = await checkExactlyOnce({ scenario: 'Kafka cluster: broker SIGKILL', kafka: kafka.client(), databaseUrl: db.appUrl, dlqTopic: `${topic}.dlq`, topic, valid, invalid, faults: 1, recoverSeconds });
      expect(outcome).toMatchObject({ lost: 0, duplicated: 0 });
    } finally {
      await kafka.destroy();
    }
  });
});
