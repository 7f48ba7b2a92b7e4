import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

/**
 * Validates a request's path or query against its zod schema from libs/contracts and
 * returns the parsed value; a failure is a 400 whose message names the parameter.
 */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly where: 'path' | 'query',
  ) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value ?? {});
    if (result.success) return result.data;
    const message = result.error.issues
      .slice(0, 5)
      .map((issue) => {
        if (issue.code === 'unrecognized_keys') return `unknown ${this.where} parameter(s): ${issue.keys.map((k) => JSON.stringify(k.slice(0, 50))).join(', ')}`;
        const name = issue.path.map(String).join('.') || '(request)';
        const got = issue.code === 'invalid_type' && issue.input !== undefined ? ` (got ${typeof issue.input})` : '';
        return `${this.where} parameter ${name}: ${issue.message}${got}`;
      })
      .join('; ');
    throw new BadRequestException(message);
  }
}
