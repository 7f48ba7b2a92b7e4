import { AnnalsMetrics, MetricsServer } from '@annals/observability';
import { freePort } from '@annals/testing';

describe("observability: a worker's METRICS_PORT serves /metrics and its health", () => {
  let server: MetricsServer;
  let base = '';

  beforeAll(async () => {
    const port = await freePort();
    server = new MetricsServer(new AnnalsMetrics('projector'), { METRICS_PORT: port, METRICS_HOST: '127.0.0.1' });
    await server.listen();
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => server.onApplicationShutdown());

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    const text = await response.text();
    return { status: response.status, text };
  };

  it('/health/live answers while the process does; /metrics is Prometheus text; anything else is a 404 that lists the routes', async () => {
    expect(await get('/health/live')).toEqual({ status: 200, text: '{"status":"ok"}' });
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^# HELP annals_projection_batch_seconds /m);
    expect(await get('/health')).toEqual({ status: 404, text: 'GET /metrics, /health/live or /health/ready here\n' });
  });

  it('/health/ready says what the app says: 200 when ready, 503 when not, with what it found', async () => {
    server.setReadiness(() => ({ ready: true, detail: { postgres: 'up' } }));
    expect(await get('/health/ready')).toEqual({ status: 200, text: '{"status":"ok","postgres":"up"}' });
    server.setReadiness(async () => ({ ready: false, detail: { postgres: 'down: connect ECONNREFUSED 127.0.0.1:5432' } }));
    expect(await get('/health/ready')).toEqual({ status: 503, text: '{"status":"error","postgres":"down: connect ECONNREFUSED 127.0.0.1:5432"}' });
  });

  it('a readiness check that throws is "not ready", with its message', async () => {
    server.setReadiness(() => {
      throw new Error('the runner is gone');
    });
    expect(await get('/health/ready')).toEqual({ status: 503, text: '{"status":"error","message":"the runner is gone"}' });
  });
});
