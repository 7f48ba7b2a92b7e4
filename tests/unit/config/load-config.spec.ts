import { ConfigError, loadConfig, settingNames } from '@annals/config';
import { DEFAULT_CACHED_VALUES } from '@annals/projections';

const valid = {
  KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
  DATABASE_URL: 'postgres://annals_app:secret@127.0.0.1:5432/annals',
};

describe('configuration', () => {
  it('parses and defaults every setting an app reads', () => {
    const config = loadConfig('ingestor', valid);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
    expect(config).toMatchObject({ KAFKA_TOPIC: 'news-events', KAFKA_DLQ_TOPIC: 'news-events.dlq', KAFKA_GROUP_ID: 'annals-ingestor', LOG_LEVEL: 'info', DATABASE_POOL_SIZE: 10 });
    expect(loadConfig('api', { ...valid, PORT: '8080' }).PORT).toBe(8080);
  });

  it('names each missing setting', () => {
    expect(() => loadConfig('ingestor', {})).toThrow(ConfigError);
    try {
      loadConfig('ingestor', {});
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.setting).sort()).toEqual(['DATABASE_URL', 'KAFKA_BROKERS']);
      expect((error as Error).message).toMatch(/KAFKA_BROKERS is required/);
    }
  });

  it.each([
    ['KAFKA_BROKERS', 'localhost', /KAFKA_BROKERS must be a comma-separated list of host:port/],
    ['DATABASE_URL', 'mysql://x@y/z', /DATABASE_URL must be a URL like postgres:\/\//],
    ['PORT', '70000', /PORT must be a TCP port/],
    ['PORT', 'eighty', /PORT must be an integer/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of fatal, error/],
    ['KAFKA_TOPIC', 'news events', /KAFKA_TOPIC must be a Kafka topic name/],
    ['DATABASE_POOL_SIZE', '0', /DATABASE_POOL_SIZE must be at least 1/],
    ['ANNALS_ADMIN_TOKEN', 'short', /ANNALS_ADMIN_TOKEN must be at least 16 characters/],
  ])('refuses a malformed %s with a message that names it', (setting, value, message) => {
    expect(() => loadConfig('api', { ...valid, [setting]: value })).toThrow(message);
  });

  it('hides secrets when it quotes a bad value', () => {
    expect(() => loadConfig('api', { ...valid, ANNALS_ADMIN_TOKEN: 'short' })).toThrow(/\(got \(hidden\)\)/);
  });

  it('wants the SASL settings together', () => {
    expect(() => loadConfig('ingestor', { ...valid, KAFKA_SASL_MECHANISM: 'plain' })).toThrow(/KAFKA_SASL_USERNAME is required when any KAFKA_SASL_\* setting is set/);
    const config = loadConfig('ingestor', { ...valid, KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' });
    expect(config).toMatchObject({ KAFKA_SSL: true, KAFKA_SASL_MECHANISM: 'scram-sha-512' });
  });

  it.each(['ingestor', 'api'] as const)('%s: refuses a dead-letter topic that is the news topic, whose refused messages would come back as input', (app) => {
    expect(() => loadConfig(app, { ...valid, KAFKA_TOPIC: 'news', KAFKA_DLQ_TOPIC: 'news' })).toThrow(/KAFKA_DLQ_TOPIC must differ from KAFKA_TOPIC \(news\)/);
    expect(() => loadConfig(app, { ...valid, KAFKA_DLQ_TOPIC: 'news-events' })).toThrow(/KAFKA_DLQ_TOPIC must differ from KAFKA_TOPIC \(news-events\)/);
    expect(loadConfig(app, { ...valid, KAFKA_TOPIC: 'news', KAFKA_DLQ_TOPIC: 'news.dlq' })).toMatchObject({ KAFKA_TOPIC: 'news', KAFKA_DLQ_TOPIC: 'news.dlq' });
  });

  it('gives each app only the settings it reads', () => {
    expect(settingNames('projector')).not.toContain('KAFKA_BROKERS');
    expect(settingNames('api')).toEqual(expect.arrayContaining(['PORT', 'KAFKA_BROKERS', 'DATABASE_URL', 'ANNALS_ADMIN_TOKEN']));
    expect(() => loadConfig('projector', { DATABASE_URL: valid.DATABASE_URL })).not.toThrow();
  });

  it('gives the apps without an HTTP API a metrics port, checked like any port', () => {
    expect(settingNames('ingestor')).toContain('METRICS_PORT');
    expect(settingNames('projector')).toContain('METRICS_PORT');
    expect(settingNames('api')).not.toContain('METRICS_PORT');
    expect(loadConfig('projector', { DATABASE_URL: valid.DATABASE_URL, METRICS_PORT: '9464' }).METRICS_PORT).toBe(9464);
    expect(() => loadConfig('projector', { DATABASE_URL: valid.DATABASE_URL, METRICS_PORT: 'ninety' })).toThrow(/METRICS_PORT must be an integer/);
  });

  it('gives the projector a cache size, 0 for none, and refuses a negative or absurd one by name', () => {
    const projector = (env: Record<string, string>) => loadConfig('projector', { DATABASE_URL: valid.DATABASE_URL, ...env });
    // the runner's own default (config cannot import libs/projections, so the two are kept equal here)
    expect(projector({}).PROJECTOR_CACHE_SIZE).toBe(DEFAULT_CACHED_VALUES);
    expect(projector({ PROJECTOR_CACHE_SIZE: '0' }).PROJECTOR_CACHE_SIZE).toBe(0);
    expect(() => projector({ PROJECTOR_CACHE_SIZE: '-1' })).toThrow(/PROJECTOR_CACHE_SIZE must be at least 0/);
    expect(() => projector({ PROJECTOR_CACHE_SIZE: '1e9' })).toThrow(/PROJECTOR_CACHE_SIZE must be at most 20000000/);
    expect(() => projector({ PROJECTOR_CACHE_SIZE: 'lots' })).toThrow(/PROJECTOR_CACHE_SIZE must be an integer/);
    expect(settingNames('api')).not.toContain('PROJECTOR_CACHE_SIZE');
  });
});
