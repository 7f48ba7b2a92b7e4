import type { Readable } from 'node:stream';

export interface NumberedLine {
  /** 1-based, as editors count. */
  number: number;
  /**
   * The line's bytes, undecoded: the contract's parser decodes them as the ingestor does, so a
   * line that is not UTF-8 is refused as not-utf8. Decoded here (readline), its bad bytes became
   * U+FFFD and the report was published and stored with them, its text silently changed.
   */
  bytes: Buffer;
}

const LF = 0x0a;
const CR = 0x0d;
/** The UTF-8 byte order mark, which some editors write at the start of a file (Windows Notepad did by default). */
const BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);

/** Only spaces, tabs, CR, VT, FF: the whitespace JSON and editors leave between lines. */
function isBlank(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte !== 0x20 && (byte < 0x09 || byte > 0x0d)) return false;
  return true;
}

/**
 * The non-blank lines of an NDJSON stream, with their line numbers; CRLF ends a line as LF does.
 * A byte order mark at the start of the stream belongs to the file, not to its first line: left
 * on, it would travel in the first report's message.
 */
export async function* ndjsonLines(input: Readable): AsyncGenerator<NumberedLine> {
  let number = 0;
  let pending: Buffer[] = [];
  const line = (parts: Buffer[]): NumberedLine | undefined => {
    number++;
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    if (number === 1 && bytes.subarray(0, 3).equals(BYTE_ORDER_MARK)) bytes = bytes.subarray(3);
    return isBlank(bytes) ? undefined : { number, bytes };
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let end = buffer.indexOf(LF, start); end !== -1; end = buffer.indexOf(LF, start)) {
      pending.push(buffer.subarray(start, end));
      const next = line(pending);
      pending = [];
      if (next) yield next;
      start = end + 1;
    }
    if (start < buffer.length) pending.push(buffer.subarray(start));
  }
  if (pending.length > 0) {
    const last = line(pending);
    if (last) yield last;
  }
}
