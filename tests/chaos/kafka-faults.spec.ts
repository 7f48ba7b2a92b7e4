import { Pool } from 'pg';
import { createTestDatabase, uniqueName, type TestDatabase } from '@annals/testing';
import { ChaosKafka } from './support/chaos-kafka';
import { appEnv, ingestor, projector } from './support/apps';
import { checkExactlyOnce, produceAll, recover, SHORT, until, workload } from './support/scenario';

describe('chaos: Kafka brokers restarted and killed during ingestion', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  it('a single broker restarted during ingestion: nothing lost, nothing duplicated', async () => {
    // below the ephemeral port range, as tools/stack/profiles.ts explains
    const kafka = await new ChaosKafka('restart', 1, 24092).start();
    try {
      const topic = uniqueName('chaos-kafka');
      const env = appEnv({ brokers: kafka.brokers, databaseUrl: db.appUrl, topic, group: `${topic}-g` });
      const { messages, valid, invalid } = workload(topic, SHORT ? 6_000 : 20_000, 5);
      const apps = [ingestor('kafka-restart'), projector('kafka-restart')];
      for (const app of apps) app.start(env);
      const pool = new Pool({ connectionString: db.appUrl, max: 1 });
      const stored = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;
      const half = Math.ceil(messages.length / 2);
      await produceAll(kafka.client(), env, messages.slice(0, half), 500);
      await until('ingestion under way', async () => (await stored()) > 300, 120_000);
      await kafka.nodes[0]!.stop(); // a controlled restart...
      await kafka.restart(0);
      await produceAll(kafka.client(), env, messages.slice(half), 500);
      const recoverSeconds = await recover({ kafka: kafka.client(), env, pool, apps });
      const outcome = await checkExactlyOnce({ scenario: 'Kafka broker restart', kafka: kafka.client(), databaseUrl: db.appUrl, dlqTopic: `${topic}.dlq`, topic, valid, invalid, faults: 1, recoverSeconds });
      expect(outcome).toMatchObject({ lost: 0, duplicated: 0 });
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
