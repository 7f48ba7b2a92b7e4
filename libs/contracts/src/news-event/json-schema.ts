import { z } from 'zod';
import { newsEventV1 } from './news-event.v1';

/** The contract as JSON Schema (draft 2020-12), for producers in other languages. */
export function newsEventJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(newsEventV1, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }),
    $id: 'https://annals.dev/schemas/news-event.v1.json',
  };
}
