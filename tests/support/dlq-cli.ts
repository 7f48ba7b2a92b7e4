import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { testServers } from '@annals/testing';

const ROOT = join(__dirname, '../..');

/**
 * `annals <args>` run as a user runs it (bin/annals.js, its own process) against the test
 * brokers and an ingestor's topics: its exit code, its output (stdout then stderr) and each apart.
 */
export function dlqCli(topics: { KAFKA_TOPIC: string; KAFKA_DLQ_TOPIC: string }) {
  return (...args: string[]) => {
    const brokers = testServers().kafkaBrokers.join(',');
    const result = spawnSync(process.execPath, [join(ROOT, 'bin/annals.js'), ...args, '--brokers', brokers, '--topic', topics.KAFKA_TOPIC, '--dlq-topic', topics.KAFKA_DLQ_TOPIC], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { code: result.status, out: `${result.stdout}${result.stderr}`, stdout: result.stdout, stderr: result.stderr };
  };
}
