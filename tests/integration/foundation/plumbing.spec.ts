import type { INestMicroservice } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { startIngestor } from '../../../apps/ingestor/src/bootstrap';
import { PostgresEventStore } from '@annals/event-store';
import { ProjectionVersionEntity } from '@annals/projections';
import { createTestDatabase, eventually, testServers, uniqueName, type TestDatabase } from '@annals/testing';

describe('foundation: real Kafka and PostgreSQL plumbing', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('kafkajs admin lists the broker\'s topics', async () => {
    const admin = new Kafka({ brokers: testServers().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topic = uniqueName('plumbing-topic');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    expect(await admin.listTopics()).toContain(topic);
    await admin.disconnect();
  });

  it('a message produced to Kafka is received by the NestJS ingestor microservice and stored', async () => {
    const topic = uniqueName('news-events');
    const env = {
      KAFKA_BROKERS: testServers().kafkaBrokers.join(','),
      DATABASE_URL: db.appUrl,
      KAFKA_TOPIC: topic,
      KAFKA_DLQ_TOPIC: `${topic}.dlq`,
      KAFKA_GROUP_ID: uniqueName('ingestor'),
      KAFKA_TOPIC_PARTITIONS: '2',
      LOG_LEVEL: 'warn',
    };
    let app: INestMicroservice | undefined;
    try {
      app = await startIngestor(env);
      const producer = new Kafka({ brokers: testServers().kafkaBrokers, logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      await producer.send({
        topic,
        messages: [
          {
            key: 'coalition-against-isis',
            value: JSON.stringify({
              id: 'plumbing-1',
              type: 'coalition.member-joined',
              occurredAt: '2014-09-26',
              source: { publisher: 'TASS', publishedAt: '2015-12-09' },
              data: { coalitionId: 'coalition-against-isis', country: 'DK' },
            }),
          },
        ],
      });
      await producer.disconnect();
      const store = new PostgresEventStore(db.appPool());
      const stored = await eventually('the stored event', () => store.findByIdempotencyKey('plumbing-1'));
      expect(stored).toMatchObject({ streamId: 'coalition:coalition-against-isis', type: 'coalition.member-joined', metadata: { source: { topic } } });
    } finally {
      await app?.close();
    }
  });

  it('a row written through TypeORM is read back from PostgreSQL', async () => {
    const dataSource = new DataSource({ type: 'postgres', url: db.appUrl, entities: [ProjectionVersionEntity], synchronize: false });
    await dataSource.initialize();
    try {
      const repository = dataSource.getRepository(ProjectionVersionEntity);
      await repository.insert({ version: 7, state: 'retired', createdAt: new Date('2015-12-09T00:00:00Z'), activatedAt: null, retiredAt: new Date('2015-12-10T00:00:00Z') });
      const row = await repository.findOneByOrFail({ version: 7 });
      expect(row).toMatchObject({ version: 7, state: 'retired', retiredAt: new Date('2015-12-10T00:00:00Z') });
    } finally {
      await dataSource.destroy();
    }
  });
});
