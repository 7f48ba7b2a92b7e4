import { Logger, ServiceUnavailableException, type ArgumentsHost } from '@nestjs/common';
import { ReadModelBusyError } from '@annals/projections';
import { NotFoundError } from '@annals/queries';
import { ApiExceptionFilter } from '../../../apps/api/src/http/api-exception.filter';

/** What a client gets for an error thrown by the libs (the filter's answer, without a server). */
function answerTo(exception: unknown, filter = new ApiExceptionFilter()): { status: number; body: unknown; headers: Record<string, string> } {
  const answer = { status: 0, body: undefined as unknown, headers: {} as Record<string, string> };
  const response = {
    setHeader(name: string, value: string) {
      answer.headers[name] = value;
      return response;
    },
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
  filter.catch(exception, host);
  return answer;
}

describe('api: errors from the libs as HTTP answers', () => {
  it('a rebuild that could not start because the read model stayed busy is 503 unavailable, with the reason (asking again is safe)', () => {
    const message = "the read model's tables stayed in use (queries or the projector) for 30000 ms, 41 tries: no rebuild was started; try again";
    expect(answerTo(new ReadModelBusyError(message))).toMatchObject({ status: 503, body: { error: 'unavailable', message } });
  });

  it('an unknown coalition is 404 not-found, with what was not found', () => {
    expect(answerTo(new NotFoundError('coalition "nope" is unknown'))).toMatchObject({ status: 404, body: { error: 'not-found', message: 'coalition "nope" is unknown' } });
  });

  it('a failed health check keeps what each dependency said, and names what is down', () => {
    // the body @nestjs/terminus throws with when a check fails
    const result = {
      status: 'error',
      info: { postgres: { status: 'up' } },
      error: { kafka: { status: 'down', message: 'Kafka did not answer within 3000 ms' } },
      details: { postgres: { status: 'up' }, kafka: { status: 'down', message: 'Kafka did not answer within 3000 ms' } },
    };
    expect(answerTo(new ServiceUnavailableException(result))).toMatchObject({ status: 503, body: { message: 'kafka: Kafka did not answer within 3000 ms', ...result } });
  });

  it('any other 503 is { error, message }', () => {
    expect(answerTo(new ServiceUnavailableException('draining'))).toMatchObject({ status: 503, body: { error: 'unavailable', message: 'draining' } });
  });

  it.each([
    ['PostgreSQL out of reach', Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED' })],
    ['PostgreSQL restarting', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    ['the connection dropped', new Error('Connection terminated unexpectedly')],
    ['a statement timeout', Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })],
  ])('%s is 503 unavailable with Retry-After, not a 500, and names no host', (_, error) => {
    const answer = answerTo(error);
    expect(answer).toEqual({ status: 503, body: { error: 'unavailable', message: 'the database is unavailable (out of reach, restarting or busy); try again' }, headers: { 'Retry-After': '1' } });
  });

  it('an error of Annals itself is still a 500 that hides its message', () => {
    expect(answerTo(new TypeError("Cannot read properties of undefined (reading 'members')"))).toEqual({ status: 500, body: { error: 'internal', message: 'internal error; it has been logged' }, headers: {} });
  });

  it('an outage is logged once per few seconds, counting the 503s, not once per request', () => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.useFakeTimers({ now: 0 });
    try {
      const filter = new ApiExceptionFilter();
      const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED' });
      for (let i = 0; i < 500; i++) expect(answerTo(refused, filter).status).toBe(503);
      expect(warned.mock.calls.map((call) => String(call[0]))).toEqual(['answered 503 (1 request(s) since the last such line), the database unavailable: connect ECONNREFUSED 10.0.0.7:5432']);
      jest.advanceTimersByTime(5_000);
      answerTo(refused, filter);
      expect(warned).toHaveBeenCalledTimes(2);
      expect(String(warned.mock.calls[1]![0])).toMatch(/^answered 503 \(500 request\(s\) since the last such line\)/);
    } finally {
      jest.useRealTimers();
      warned.mockRestore();
    }
  });
});
