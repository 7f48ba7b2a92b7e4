import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ensureKafkaJars, KafkaNode, newClusterId } from '../../../tools/stack/kafka-server';
import { stackRoot } from '../../../tools/stack/profiles';
import { ARTIFACTS } from './artifacts';

/**
 * Kafka servers of a chaos scenario's own: one node, or a three-node KRaft cluster (every node
 * broker and controller) with replication factor 3 and min.insync.replicas 2, on loopback ports
 * no other stack uses. Nodes can be killed (SIGKILL) and started again.
 */
export class ChaosKafka {
  readonly nodes: KafkaNode[];
  private readonly clusterId = newClusterId();
  /** The processes freeze() stopped. */
  private readonly frozen = new Set<number>();

  constructor(
    private readonly name: string,
    size: 1 | 3,
    basePort: number,
  ) {
    const voters = Array.from({ length: size }, (_, i) => `${i + 1}@127.0.0.1:${basePort + 100 + i}`);
    const replication = size === 3 ? 3 : 1;
    this.nodes = Array.from(
      { length: size },
      (_, i) =>
        new KafkaNode({
          nodeId: i + 1,
          brokerPort: basePort + i,
          controllerPort: basePort + 100 + i,
          voters,
          dir: join(stackRoot(), `chaos-${name}`, `kafka-${i + 1}`),
          heapMb: size === 3 ? 384 : 512,
          overrides: {
            'offsets.topic.replication.factor': replication,
            'transaction.state.log.replication.factor': replication,
            'transaction.state.log.min.isr': Math.min(2, replication),
            'default.replication.factor': replication,
            'min.insync.replicas': Math.min(2, replication),
            'share.coordinator.state.topic.replication.factor': replication,
            'share.coordinator.state.topic.min.isr': Math.min(2, replication),
            'unclean.leader.election.enable': 'false',
          },
        }),
    );
  }

  get brokers(): string {
    return this.nodes.map((n) => n.bootstrap).join(',');
  }

  client(): Kafka {
    return new Kafka({ brokers: this.brokers.split(','), clientId: 'chaos', logLevel: logLevel.NOTHING, retry: { retries: 20, maxRetryTime: 3000 } });
  }

  async start(): Promise<this> {
    await this.destroy();
    const libs = await ensureKafkaJars();
    for (const node of this.nodes) await node.start(this.clusterId, libs);
    await Promise.all(this.nodes.map((n) => n.waitReady(180_000)));
    return this;
  }

  async kill(index: number): Promise<void> {
    await this.nodes[index]!.kill();
  }

  /** Stops node `index`'s process (SIGSTOP) until thaw: its connections stay open, and it answers nothing. */
  freeze(index: number): void {
    const pid = this.nodes[index]!.pid();
    if (pid === undefined) throw new Error(`Kafka node ${index + 1} is not running: nothing to freeze`);
    process.kill(pid, 'SIGSTOP');
    this.frozen.add(pid);
  }

  thaw(index: number): void {
    const pid = this.nodes[index]!.pid();
    if (pid !== undefined && this.frozen.delete(pid)) process.kill(pid, 'SIGCONT');
  }

  async restart(index: number): Promise<void> {
    const libs = await ensureKafkaJars();
    await this.nodes[index]!.start(this.clusterId, libs);
    await this.nodes[index]!.waitReady(180_000);
  }

  /** Kills the nodes and removes their data, keeping each node's log with the scenario's artifacts. */
  async destroy(): Promise<void> {
    for (const pid of this.frozen) process.kill(pid, 'SIGCONT');
    this.frozen.clear();
    for (const node of this.nodes) {
      await node.kill().catch(() => undefined);
      if (existsSync(node.logFile)) {
        mkdirSync(join(ARTIFACTS, 'chaos-logs'), { recursive: true });
        copyFileSync(node.logFile, join(ARTIFACTS, 'chaos-logs', `kafka-${this.name}-${node.options.nodeId}.log`));
      }
      rmSync(node.options.dir, { recursive: true, force: true });
    }
  }
}
