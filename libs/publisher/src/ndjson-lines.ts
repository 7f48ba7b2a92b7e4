import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface NumberedLine {
  /** 1-based, as editors count. */
  number: number;
  text: string;
}

/** The non-blank lines of an NDJSON stream, with their line numbers. */
export async function* ndjsonLines(input: Readable): AsyncGenerator<NumberedLine> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  for await (const text of lines) {
    number++;
    if (text.trim().length > 0) yield { number, text };
  }
}
