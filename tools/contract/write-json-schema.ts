import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newsEventJsonSchema } from '@annals/contracts';

/** npm run contract:schema — regenerates docs/contract/news-event.v1.schema.json from libs/contracts. */
const target = join(__dirname, '..', '..', 'docs', 'contract', 'news-event.v1.schema.json');
writeFileSync(target, JSON.stringify(newsEventJsonSchema(), null, 2) + '\n');
console.log(`wrote ${target}`);
