/**
 * The JSON fragments of a StateCopy (a source reference per fact, a member's opening per
 * membership row), as UTF-8 in chunks of CHUNK_BYTES, each fragment within one chunk, addressed
 * by one number: the chunk's place times CHUNK_BYTES plus the offset in it.
 *
 * Why chunks: one growing buffer doubled as fragments came in and was copied to its size at the
 * end; at 1,000,000 events (a copy of 357 MiB) the load held twice the fragments or more at its
 * peak, and the api's RSS stayed there. Chunks are allocated once each and never copied.
 */
export class Fragments {
  constructor(private readonly chunks: ReadonlyArray<Buffer>) {}

  /** Copies fragment [start, end) into `out` at `at`; returns the bytes copied. */
  copy(out: Buffer, at: number, start: number, end: number): number {
    const chunk = Math.floor(start / CHUNK_BYTES);
    const base = chunk * CHUNK_BYTES;
    return this.chunks[chunk]!.copy(out, at, start - base, end - base);
  }

  /** Bytes held. */
  get bytes(): number {
    return this.chunks.reduce((sum, c) => sum + c.length, 0);
  }
}

/** 16 MiB: small next to a copy, large next to any fragment (a report is at most a Kafka message). */
export const CHUNK_BYTES = 2 ** 24;
/** Fragments are addressed in Int32Arrays: every address below 2^31. */
const MAX_CHUNKS = 2 ** 31 / CHUNK_BYTES - 1;

/** Writes fragments into chunks; each write returns the fragment's [start, end). */
export class FragmentWriter {
  private readonly chunks: Buffer[] = [];
  private chunk: Buffer | undefined;
  /** Bytes used in the current chunk. */
  private used = 0;

  write(text: string): [number, number] {
    const needed = Buffer.byteLength(text);
    if (needed > CHUNK_BYTES) throw new Error(`a fragment of ${needed} bytes is larger than a chunk of the state copy (${CHUNK_BYTES})`);
    if (!this.chunk || this.used + needed > CHUNK_BYTES) {
      if (this.chunk) this.chunks.push(this.chunk.subarray(0, this.used)); // the rest of it, less than a fragment, unused
      if (this.chunks.length === MAX_CHUNKS) throw new Error(`the state copy's fragments would take more than ${MAX_CHUNKS} chunks of ${CHUNK_BYTES} bytes`);
      this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      this.used = 0;
    }
    const start = this.chunks.length * CHUNK_BYTES + this.used;
    this.used += this.chunk.write(text, this.used);
    return [start, start + needed];
  }

  /** The fragments written; the last chunk copied to its size (the others are full, to less than a fragment). */
  done(): Fragments {
    if (this.chunk) this.chunks.push(Buffer.from(this.chunk.subarray(0, this.used)));
    this.chunk = undefined;
    return new Fragments(this.chunks);
  }
}
