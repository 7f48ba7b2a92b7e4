import { ServiceUnavailableException, type ArgumentsHost } from '@nestjs/common';
import { ReadModelBusyError } from '@annals/projections';
import { NotFoundError } from '@annals/queries';
import { ApiExceptionFilter } from '../../../apps/api/src/http/api-exception.filter';

/** What a client gets for an error thrown by the libs (the filter's answer, without a server). */
function answerTo(exception: unknown): { status: number; body: unknown } {
  const answer = { status: 0, body: undefined as unknown };
  const response = {
    status(code: number) {
      answer.status = code;
      return response;
    },
    json(body: unknown) {
      answer.body = body;
      return response;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  new ApiExceptionFilter().catch(exception, host);
  return answer;
}

describe('api: errors from the libs as HTTP answers', () => {
  it('a rebuild that could not start because the read model stayed busy is 503 unavailable, with the reason (asking again is safe)', () => {
    const message = "the read model's tables stayed in use (queries or the projector) for 30000 ms, 41 tries: no rebuild was started; try again";
    expect(answerTo(new ReadModelBusyError(message))).toEqual({ status: 503, body: { error: 'unavailable', message } });
  });

  it('an unknown coalition is 404 not-found, with what was not found', () => {
    expect(answerTo(new NotFoundError('coalition "nope" is unknown'))).toEqual({ status: 404, body: { error: 'not-found', message: 'coalition "nope" is unknown' } });
  });

  it('a failed health check keeps what each dependency said, and names what is down', () => {
    // the body @nestjs/terminus throws with when a check fails
    const result = {
      status: 'error',
      info: { postgres: { status: 'up' } },
      error: { kafka: { status: 'down', message: 'Kafka did not answer within 3000 ms' } },
      details: { postgres: { status: 'up' }, kafka: { status: 'down', message: 'Kafka did not answer within 3000 ms' } },
    };
    expect(answerTo(new ServiceUnavailableException(result))).toEqual({ status: 503, body: { message: 'kafka: Kafka did not answer within 3000 ms', ...result } });
  });

  it('any other 503 is { error, message }', () => {
    expect(answerTo(new ServiceUnavailableException('draining'))).toEqual({ status: 503, body: { error: 'unavailable', message: 'draining' } });
  });
});
