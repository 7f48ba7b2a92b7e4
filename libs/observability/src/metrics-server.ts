import { createServer, type Server, type ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type MetricsConfig } from '@annals/config';
import { AnnalsMetrics } from './metrics';
import { within } from './within';

export interface ReadinessResult {
  ready: boolean;
  /** Said in the answer's body beside `status`: what was checked and what it found. */
  detail: Record<string, unknown>;
}

/** Whether a worker is doing its job, for /health/ready. */
export type Readiness = () => ReadinessResult | Promise<ReadinessResult>;

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * GET /metrics, /health/live and /health/ready for the apps without an HTTP API (ingestor,
 * projector), on METRICS_PORT when it is set. Live: the process answers (restart it when
 * not). Ready: the app is doing its job, as it says (setReadiness); a supervisor restarting on
 * liveness alone leaves a worker to wait out a Kafka or PostgreSQL outage, as it should.
 * Metrics: the ingestor's counters (messages by outcome, dead letters by reason, transient
 * failures, batch time) and the projector's (events applied, batch time, failed batches, per
 * read-model version) live in their own processes and are scraped from there. The api serves
 * /metrics and /health itself and has no METRICS_PORT.
 * The port is bound by the app's bootstrap (`listen`), as a start step of its own, not by a Nest
 * hook: a taken port then fails the start where the bootstrap can still close the app
 * (closeOnFailedStart), and before the app starts working. Bound in a hook, it failed the
 * projector inside NestFactory.createApplicationContext, which never hands back an app whose
 * init failed, and whether the projector's runner had started by then hung on module order.
 * The server closes with the app (onApplicationShutdown).
 */
@Injectable()
export class MetricsServer implements OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server: Server | undefined;
  private readiness: Readiness = () => ({ ready: true, detail: {} });

  constructor(
    private readonly metrics: AnnalsMetrics,
    @Inject(APP_CONFIG) private readonly config: Partial<MetricsConfig>,
  ) {}

  /** Serves METRICS_PORT (nothing when it is not set); rejects when the port cannot be bound, saying why. */
  async listen(): Promise<void> {
    const port = this.config.METRICS_PORT;
    if (port === undefined) return;
    const server = createServer((request, response) => {
      const route = request.method === 'GET' ? request.url : undefined;
      if (route === '/metrics') {
        this.metrics.registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
          (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
        );
      } else if (route === '/health/live') {
        json(response, 200, { status: 'ok' });
      } else if (route === '/health/ready') {
        this.ready().then(({ ready, detail }) => json(response, ready ? 200 : 503, { status: ready ? 'ok' : 'error', ...detail }));
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics, /health/live or /health/ready here\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.METRICS_HOST ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics on http://${this.config.METRICS_HOST ?? '127.0.0.1'}:${port}/metrics`);
  }

  /** What /health/ready asks: the app sets it once it is wired (the ingestor: its consumer; the projector: PostgreSQL). */
  setReadiness(check: Readiness): void {
    this.readiness = check;
  }

  /** The readiness check within 3 s; one that throws or is late is "not ready", saying why. */
  private async ready(): Promise<ReadinessResult> {
    try {
      return await within(Promise.resolve(this.readiness()), 3_000, 'the readiness check');
    } catch (error) {
      return { ready: false, detail: { message: (error as Error).message } };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
