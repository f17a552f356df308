// Writing output that may be far larger than memory (a million rows): text is gathered into chunks, each chunk
// written once, and when the stream's buffer is full the writer waits for 'drain' instead of queueing more.
/** Where a command writes: process.stdout in use, a collecting object in tests. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's height, when it is one. */
  rows?: number;
}

/** The parts of a Node Writable that backpressure needs; an Output without them is written to at once. */
interface Drainable {
  on(event: 'drain' | 'error' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'error' | 'close', listener: () => void): unknown;
  destroyed?: boolean;
  writableEnded?: boolean;
}

function isDrainable(out: Output): out is Output & Drainable {
  return typeof (out as Partial<Drainable>).on === 'function' && typeof (out as Partial<Drainable>).off === 'function';
}

/** The reader went away (`… | head`): not a failure of the command, which just stops. */
export class ReaderGone extends Error {
  override name = 'ReaderGone';
  constructor() {
    super('the reader of the output went away');
  }
}

const CHUNK = 64 * 1024;

/** Gathers writes into ~64 KiB chunks (one syscall each, not one per row) and honours backpressure. */
export class ChunkedWriter {
  #parts: string[] = [];
  #size = 0;

  constructor(
    readonly out: Output,
    readonly chunkSize = CHUNK,
  ) {}

  /** Adds text; resolves at once unless a chunk had to be written into a full stream. */
  write(text: string): Promise<void> | undefined {
    this.#parts.push(text);
    this.#size += text.length;
    return this.#size >= this.chunkSize ? this.flush() : undefined;
  }

  /** Writes what is gathered, then waits while the stream's buffer is full. */
  async flush(): Promise<void> {
    if (this.#parts.length === 0) return;
    const chunk = this.#parts.join('');
    this.#parts = [];
    this.#size = 0;
    const out = this.out;
    if (isDrainable(out) && (out.destroyed === true || out.writableEnded === true)) throw new ReaderGone();
    if (out.write(chunk) !== false || !isDrainable(out)) return;
    // A reader that closes the pipe makes the stream fail (EPIPE) or close: either way no 'drain' will come.
    await new Promise<void>((resolve, reject) => {
      const stream = out;
      const done = (err?: Error): void => {
        stream.off('drain', onDrain);
        stream.off('error', onGone);
        stream.off('close', onGone);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onDrain = (): void => done();
      const onGone = (): void => done(new ReaderGone());
      stream.on('drain', onDrain);
      stream.on('error', onGone);
      stream.on('close', onGone);
    });
  }
}
