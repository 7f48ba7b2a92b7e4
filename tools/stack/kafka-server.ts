import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { GiveUp, livePid, portAccepts, removeFile, run, stopProcess, waitFor } from './processes';

/**
 * One Apache Kafka node in KRaft mode (broker and controller in one JVM), run from
 * the official jars on Maven Central. Several nodes with a shared voter list make a
 * cluster (the chaos suite starts three).
 */

const POM = resolve(__dirname, 'kafka', 'pom.xml');
const LOG4J = resolve(__dirname, 'kafka', 'log4j2.yaml');

export interface KafkaNodeOptions {
  nodeId: number;
  brokerPort: number;
  controllerPort: number;
  /** node.id@host:port for every controller of the cluster. */
  voters: string[];
  /** Everything of this node lives here: data/, server.properties, kafka.pid, kafka.log. */
  dir: string;
  /** Extra broker settings (replication factors for a cluster, for instance). */
  overrides?: Record<string, string | number>;
  heapMb?: number;
}

export function kafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'));
  if (!match) throw new Error(`${POM} has no <kafka.version> property`);
  return match[1]!;
}

export function kafkaCacheDir(): string {
  return process.env.ANNALS_CACHE_DIR ?? join(homedir(), '.cache', 'annals');
}

/** Resolves the broker's runtime jars with Maven once; later calls reuse the cache. */
export async function ensureKafkaJars(log: (line: string) => void = () => {}): Promise<string> {
  const version = kafkaVersion();
  const libs = join(kafkaCacheDir(), `kafka-${version}`, 'libs');
  if (existsSync(join(libs, '.complete'))) return libs;
  await requireCommand('java', ['-version'], 'Java 17 or newer (the Kafka broker runs on it)');
  await requireCommand('mvn', ['-v'], 'Maven (it resolves the Kafka jars from Maven Central)');
  log(`resolving Apache Kafka ${version} jars from Maven Central into ${libs}`);
  const staging = `${libs}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await run('mvn', ['-B', '-q', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${staging}`]);
  writeFileSync(join(staging, '.complete'), `${version}\n`);
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
  return libs;
}

async function requireCommand(command: string, args: string[], what: string): Promise<void> {
  try {
    await run(command, args);
  } catch {
    throw new Error(`\`${command}\` is not available: the local stack needs ${what}. Install it, or set KAFKA_BROKERS to a broker you run yourself.`);
  }
}

export class KafkaNode {
  constructor(readonly options: KafkaNodeOptions) {}

  get bootstrap(): string {
    return `127.0.0.1:${this.options.brokerPort}`;
  }
  get pidFile(): string {
    return join(this.options.dir, 'kafka.pid');
  }
  get logFile(): string {
    return join(this.options.dir, 'kafka.log');
  }
  private get dataDir(): string {
    return join(this.options.dir, 'data');
  }
  private get propertiesFile(): string {
    return join(this.options.dir, 'server.properties');
  }

  pid(): number | undefined {
    return livePid(this.pidFile);
  }

  /** Starts the node unless it runs already; formats its storage on first start. */
  async start(clusterId: string, libs: string): Promise<'started' | 'running'> {
    if (this.pid() !== undefined) return 'running';
    if (await portAccepts(this.options.brokerPort)) {
      throw new Error(`port ${this.options.brokerPort} is in use by a process this stack did not start; stop it or choose another profile`);
    }
    mkdirSync(this.dataDir, { recursive: true });
    writeFileSync(this.propertiesFile, this.properties());
    const classpath = `${libs}/*`;
    if (!existsSync(join(this.dataDir, 'meta.properties'))) {
      await run('java', ['-cp', classpath, `-Dlog4j2.configurationFile=${LOG4J}`, 'kafka.tools.StorageTool', 'format', '--ignore-formatted', '-t', clusterId, '-c', this.propertiesFile]);
    }
    const out = openSync(this.logFile, 'a');
    const heap = this.options.heapMb ?? 512;
    const child = spawn(
      'java',
      [
        `-Xms${Math.min(256, heap)}m`,
        `-Xmx${heap}m`,
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${LOG4J}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        this.propertiesFile,
      ],
      { detached: true, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    writeFileSync(this.pidFile, `${child.pid}\n`);
    child.unref();
    return 'started';
  }

  /** Resolves once the broker answers metadata requests through kafkajs, the client Annals uses. */
  async waitReady(timeoutMs = 120_000): Promise<void> {
    await waitFor(
      `Kafka node ${this.options.nodeId} on ${this.bootstrap} (log: ${this.logFile})`,
      async () => {
        if (this.pid() === undefined) throw new GiveUp(`the broker process exited; last lines of ${this.logFile}:\n${tail(this.logFile)}`);
        if (!(await portAccepts(this.options.brokerPort))) return undefined;
        const admin = new Kafka({ brokers: [this.bootstrap], clientId: 'annals-stack', logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
        try {
          await admin.connect();
          const cluster = await admin.describeCluster();
          return cluster.brokers.length > 0 ? true : undefined;
        } finally {
          await admin.disconnect().catch(() => undefined);
        }
      },
      timeoutMs,
      500,
    );
  }

  async stop(): Promise<'stopped' | 'killed' | 'not running'> {
    const pid = this.pid();
    if (pid === undefined) {
      removeFile(this.pidFile);
      return 'not running';
    }
    const how = await stopProcess(pid, 30_000);
    removeFile(this.pidFile);
    return how;
  }

  /** SIGKILL, for fault injection: no controlled shutdown, no flush. */
  async kill(): Promise<void> {
    const pid = this.pid();
    if (pid !== undefined) {
      process.kill(pid, 'SIGKILL');
      await waitFor('the killed broker to exit', async () => (this.pid() === undefined ? true : undefined), 10_000, 50);
    }
    removeFile(this.pidFile);
  }

  private properties(): string {
    const o = this.options;
    const settings: Record<string, string | number> = {
      'process.roles': 'broker,controller',
      'node.id': o.nodeId,
      'controller.quorum.voters': o.voters.join(','),
      listeners: `PLAINTEXT://127.0.0.1:${o.brokerPort},CONTROLLER://127.0.0.1:${o.controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${o.brokerPort}`,
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name': 'PLAINTEXT',
      'log.dirs': this.dataDir,
      // A single broker can only hold one replica of the internal topics; without
      // these, consumer groups never get a coordinator (issue #2).
      'offsets.topic.replication.factor': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      'share.coordinator.state.topic.replication.factor': 1,
      'share.coordinator.state.topic.min.isr': 1,
      'offsets.topic.num.partitions': 10,
      'num.partitions': 1,
      'default.replication.factor': 1,
      'min.insync.replicas': 1,
      'auto.create.topics.enable': 'true',
      // Tests and the demo create groups and expect them to start consuming at once.
      'group.initial.rebalance.delay.ms': 0,
      'log.retention.hours': 168,
      'log.segment.bytes': 64 * 1024 * 1024,
      'num.io.threads': 4,
      'num.network.threads': 2,
    };
    Object.assign(settings, o.overrides ?? {});
    return Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
  }
}

/**
 * A Kafka cluster id: 16 random bytes, base64url without padding, as kafka-storage random-uuid
 * prints. Like Kafka's Uuid.randomUuid, never one starting with "-": kafka-storage would read it
 * as an option ("argument --cluster-id/-t: expected one argument"; one id in 64 did that).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function tail(file: string, lines = 20): string {
  if (!existsSync(file)) return '(no log file)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
