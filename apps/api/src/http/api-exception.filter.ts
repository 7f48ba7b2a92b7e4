import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ReadModelBusyError } from '@annals/projections';
import { NotFoundError } from '@annals/queries';

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
 * fault of Annals itself is a 500, logged with its stack and answered without internals.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('api');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    let status: number = HttpStatus.INTERNAL_SERVER_ERROR;
    let message = 'internal error; it has been logged';
    if (exception instanceof HttpException && exception.getStatus() === 413) {
      status = 413;
      message = 'the request body is too large (the limit is 16 KiB)';
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
    } else if (isBodyParserError(exception)) {
      status = exception.status;
      message = exception.type === 'entity.too.large' ? 'the request body is too large (the limit is 16 KiB)' : 'the request body is not valid JSON';
    } else {
      this.logger.error({ err: exception }, 'unhandled error');
    }
    response.status(status).json({ error: ERROR_CODES[status] ?? (status >= 500 ? 'internal' : 'bad-request'), message });
  }
}

function isBodyParserError(error: unknown): error is { status: number; type: string } {
  return typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number' && typeof (error as { type?: unknown }).type === 'string';
}
