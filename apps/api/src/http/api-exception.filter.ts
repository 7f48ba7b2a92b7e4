import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { isTransient } from '@annals/platform';
import { ReadModelBusyError } from '@annals/projections';
import { BadParameterError, NotFoundError } from '@annals/queries';

const ERROR_CODES: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'disabled',
  404: 'not-found',
  413: 'payload-too-large',
  429: 'too-many-requests',
  503: 'unavailable',
};

/**
 * Every error as `{ error, message }`. Bad input is a 4xx that says what was wrong; only a
 * fault of Annals itself is a 500, logged with its stack and answered without internals. The
 * database out of reach, restarting or busy (isTransient) is a 503 with Retry-After: it passes
 * by itself, and a client or a load balancer should ask again rather than report a bug.
 * A failed health check keeps terminus' body (`status`, `info`, `error`, `details`: each
 * dependency, up or down, and why), with a `message` naming what is down.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('api');
  /** When the last "database unavailable" line was logged, and how many 503s since went unlogged. */
  private unavailableLoggedAt = -Infinity;
  private unavailableSince = 0;

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const health = exception instanceof HttpException ? healthCheckResult(exception.getResponse()) : undefined;
    if (health) {
      const down = Object.entries(health.error ?? {}).map(([name, result]) => `${name}: ${String(result.message ?? result.status)}`);
      response.status((exception as HttpException).getStatus()).json({ message: down.length > 0 ? down.join('; ') : `health ${health.status}`, ...health });
      return;
    }
    let status: number = HttpStatus.INTERNAL_SERVER_ERROR;
    let message = 'internal error; it has been logged';
    if (exception instanceof HttpException && exception.getStatus() === 413) {
      status = 413;
      message = 'the request body is too large (the limit is 16 KiB)';
    } else if (exception instanceof BadParameterError) {
      status = 400;
      message = exception.message;
    } else if (exception instanceof NotFoundError) {
      status = 404;
      message = exception.message;
    } else if (exception instanceof ReadModelBusyError) {
      status = 503;
      message = exception.message;
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      const body = exception.getResponse();
      message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? exception.message);
    } else if (isTransient(exception)) {
      status = 503;
      // what failed (a host, a port) is for the log, not for the client
      message = 'the database is unavailable (out of reach, restarting or busy); try again';
      response.setHeader('Retry-After', '1');
      this.warnUnavailable(describe(exception));
    } else if (isBodyParserError(exception)) {
      status = exception.status;
      message = exception.type === 'entity.too.large' ? 'the request body is too large (the limit is 16 KiB)' : 'the request body is not valid JSON';
    } else {
      this.logger.error({ err: exception }, 'unhandled error');
    }
    response.status(status).json({ error: ERROR_CODES[status] ?? (status >= 500 ? 'internal' : 'bad-request'), message });
  }

  /** One warn line per UNAVAILABLE_LOG_EVERY_MS at most, counting the 503s it stands for. */
  private warnUnavailable(cause: string): void {
    this.unavailableSince++;
    const now = Date.now();
    if (now - this.unavailableLoggedAt < UNAVAILABLE_LOG_EVERY_MS) return;
    this.logger.warn(`answered 503 (${this.unavailableSince} request(s) since the last such line), the database unavailable: ${cause}`);
    this.unavailableLoggedAt = now;
    this.unavailableSince = 0;
  }
}

/** How often an outage is logged: every request failing would flood the log at the API's request rate. */
const UNAVAILABLE_LOG_EVERY_MS = 5_000;

/** A transient error for the log: its code and its message. */
function describe(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return [typeof code === 'string' && !String(message).includes(code) ? code : undefined, typeof message === 'string' ? message : undefined].filter(Boolean).join(': ') || 'unavailable';
}

interface HealthCheckResult {
  status: string;
  error?: Record<string, { status: string; message?: unknown }>;
  details: Record<string, unknown>;
}

/** The body @nestjs/terminus gives its ServiceUnavailableException when a check fails. */
function healthCheckResult(body: unknown): HealthCheckResult | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { status, details } = body as { status?: unknown; details?: unknown };
  return typeof status === 'string' && typeof details === 'object' && details !== null ? (body as HealthCheckResult) : undefined;
}

function isBodyParserError(error: unknown): error is { status: number; type: string } {
  return typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number' && typeof (error as { type?: unknown }).type === 'string';
}
