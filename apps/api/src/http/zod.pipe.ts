import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

/**
 * Validates a request's path or query against its zod schema from libs/contracts and
 * returns the parsed value; a failure is a 400 whose message names the parameter.
 */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly where: 'path' | 'query' | 'body',
  ) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value ?? {}, { reportInput: true });
    if (result.success) return result.data;
    const message = result.error.issues
      .slice(0, 5)
      .map((issue) => {
        if (issue.code === 'unrecognized_keys') return `unknown ${this.where} parameter(s): ${issue.keys.map((k) => JSON.stringify(k.slice(0, 50))).join(', ')}`;
        const name = issue.path.map(String).join('.') || '(request)';
        if (issue.code === 'invalid_type' && Array.isArray(issue.input)) return `${this.where} parameter ${name}: is given more than once`;
        return `${this.where} parameter ${name}: ${issue.message}`;
      })
      .join('; ');
    throw new BadRequestException(message);
  }
}
