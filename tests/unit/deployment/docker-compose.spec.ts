import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig, settingNames, type AppName } from '@annals/config';

/**
 * Docker cannot run here, so docker-compose.yml is checked against what the apps really read:
 * every app service's environment must be settings that app knows and must pass its
 * validation, and the Kafka service must carry every setting a KRaft node needs (setting
 * any KAFKA_* variable replaces the apache/kafka image's whole default configuration).
 */

interface Service {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const ROOT = join(__dirname, '../../..');
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

/** Compose's ${VAR:-default} interpolation, with nothing set in the environment. */
function interpolate(value: string | number): string {
  return String(value).replace(/\$\{([A-Z_]+)(?::-([^}]*))?\}/g, (_all, _name: string, fallback?: string) => fallback ?? '');
}
const envOf = (service: Service) => Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));

describe('docker-compose.yml', () => {
  it('has Kafka, PostgreSQL, the migrations and the three apps built from this repository', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'ingestor', 'kafka', 'migrate', 'postgres', 'projector']);
    expect(services.kafka!.image).toMatch(/^apache\/kafka:4\./);
    expect(services.postgres!.image).toMatch(/^postgres:1[6-9]/);
    for (const app of ['ingestor', 'projector', 'api', 'migrate']) expect(services[app]!.build?.context).toBe('.');
    expect(services.migrate!.build?.args?.APP).toBe('cli');
    expect(services.migrate!.command?.[0]).toBe('migrate');
  });

  it.each(['ingestor', 'projector', 'api'] as AppName[])('%s: every variable is a setting it reads, and the set passes its validation', (app) => {
    const service = services[app]!;
    expect(service.build?.args?.APP).toBe(app);
    const env = envOf(service);
    const known = new Set(settingNames(app));
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    expect(() => loadConfig(app, env)).not.toThrow();
  });

  it('points the apps at the compose services and starts them after the migrations', () => {
    for (const app of ['ingestor', 'api']) expect(envOf(services[app]!).KAFKA_BROKERS).toBe('kafka:9092');
    for (const app of ['ingestor', 'projector', 'api']) {
      expect(new URL(envOf(services[app]!).DATABASE_URL!).host).toBe('postgres:5432');
      expect(services[app]!.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    }
    expect(services.migrate!.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it("checks each app's health on the port it serves it: the api's readiness, the workers' liveness on METRICS_PORT", () => {
    const probed = (app: string) => {
      const test = services[app]!.healthcheck?.test ?? [];
      expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
      return new URL(/fetch\('([^']+)'\)/.exec(test[3] ?? '')![1]!);
    };
    const api = loadConfig('api', envOf(services.api!));
    expect(probed('api')).toMatchObject({ port: String(api.PORT), pathname: '/health/ready' });
    for (const app of ['ingestor', 'projector'] as const) {
      const env = loadConfig(app, envOf(services[app]!));
      expect(probed(app)).toMatchObject({ hostname: '127.0.0.1', port: String(env.METRICS_PORT), pathname: '/health/live' });
    }
  });

  it('publishes the api on its PORT, listening on all interfaces inside its container', () => {
    const env = loadConfig('api', envOf(services.api!));
    expect(env.HOST).toBe('0.0.0.0');
    expect(services.api!.ports).toContain(`${env.PORT}:${env.PORT}`);
  });

  it('gives Kafka every setting a single KRaft broker+controller needs', () => {
    const env = envOf(services.kafka!);
    for (const required of [
      'CLUSTER_ID',
      'KAFKA_NODE_ID',
      'KAFKA_PROCESS_ROLES',
      'KAFKA_CONTROLLER_QUORUM_VOTERS',
      'KAFKA_LISTENERS',
      'KAFKA_ADVERTISED_LISTENERS',
      'KAFKA_CONTROLLER_LISTENER_NAMES',
      'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP',
      'KAFKA_INTER_BROKER_LISTENER_NAME',
      'KAFKA_LOG_DIRS',
      'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR',
      'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR',
      'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR',
    ]) {
      expect([required, env[required]]).toEqual([required, expect.stringMatching(/.+/)]);
    }
    expect(env.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/); // a base64url UUID, as kafka-storage random-uuid prints
    expect(env.KAFKA_PROCESS_ROLES!.split(',').sort()).toEqual(['broker', 'controller']);
    expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('1');
    // every listener named has a protocol, and the controller listener is one of them
    const protocols = new Map(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP!.split(',').map((p) => p.split(':') as [string, string]));
    for (const listener of env.KAFKA_LISTENERS!.split(',')) expect(protocols.has(listener.split(':')[0]!)).toBe(true);
    expect(protocols.has(env.KAFKA_CONTROLLER_LISTENER_NAMES!)).toBe(true);
    const [voterId, voterAddress] = env.KAFKA_CONTROLLER_QUORUM_VOTERS!.split('@');
    expect(voterId).toBe(env.KAFKA_NODE_ID);
    expect(voterAddress).toBe('kafka:9093');
  });
});
