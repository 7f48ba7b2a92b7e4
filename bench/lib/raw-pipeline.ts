/**
 * The raw pipeline the ingestor is measured against, in a process of its own: a kafkajs
 * eachBatch consumer that only parses each message and inserts the same rows with multi-row
 * INSERTs, committing after each batch. No validation, no domain, no hash chain, no read model.
 *   node -r @swc-node/register bench/lib/raw-pipeline.ts <brokers> <topic> <group> <databaseUrl> <expected>
 */
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';

const [brokers, topic, group, databaseUrl, expectedText] = process.argv.slice(2);
const expected = Number(expectedText);

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  const kafka = new Kafka({ brokers: brokers!.split(','), clientId: 'raw-pipeline', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: group!, maxWaitTimeInMs: 100, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic!], fromBeginning: true });
  let inserted = 0;
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        for (let i = 0; i < batch.messages.length; i += 1000) {
          const chunk = batch.messages.slice(i, i + 1000);
          const values: string[] = [];
          const params: unknown[] = [];
          for (const m of chunk) {
            const report = JSON.parse(m.value!.toString('utf8')) as { id: string; type: string; data: { coalitionId?: string } };
            const n = params.length;
            values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5})`);
            params.push(report.data.coalitionId ?? 'none', Number(m.offset) + 1 + batch.partition * 1e9, report.type, JSON.stringify(report), JSON.stringify({ offset: m.offset }));
          }
          await pool.query(`INSERT INTO raw_events (stream_id, stream_version, event_type, payload, metadata) VALUES ${values.join(', ')}`, params);
          const last = chunk[chunk.length - 1]!.offset;
          resolveOffset(last);
          await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }] });
          inserted += chunk.length;
        }
        if (inserted >= expected) resolve();
      },
    });
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await consumer.disconnect();
  await pool.end();
  console.log(JSON.stringify({ inserted, seconds }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
