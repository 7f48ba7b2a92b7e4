import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface NumberedLine {
  /** 1-based, as editors count. */
  number: number;
  text: string;
}

/** U+FEFF, which some editors write at the start of a UTF-8 file (Windows Notepad did by default). */
const BYTE_ORDER_MARK = '\uFEFF';

/**
 * The non-blank lines of an NDJSON stream, with their line numbers; CRLF ends a line as LF does.
 * A byte order mark at the start of the stream belongs to the file, not to its first line: left
 * on, it made the first report "not JSON", for a mark the reader cannot see.
 */
export async function* ndjsonLines(input: Readable): AsyncGenerator<NumberedLine> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    const text = number === 1 && line.startsWith(BYTE_ORDER_MARK) ? line.slice(1) : line;
    if (text.trim().length > 0) yield { number, text };
  }
}
