/**
 * An async queue between a push source (ioredis events) and a pull consumer (an async iterator):
 * bounded, failing once (the error is thrown after the events already queued), ending once.
 */
export class EventQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  readonly #max: number;
  readonly #onOverflow: () => Error;
  #error: Error | undefined;
  #ended = false;
  #wake: (() => void) | undefined;

  /** `onOverflow` is called when the queue would exceed `max`; its error fails the queue. */
  constructor(max: number, onOverflow: () => Error) {
    this.#max = max;
    this.#onOverflow = onOverflow;
  }

  push(item: T): void {
    if (this.#ended || this.#error) return;
    if (this.#items.length >= this.#max) {
      this.fail(this.#onOverflow());
      return;
    }
    this.#items.push(item);
    this.#notify();
  }

  /** Fails the queue: the consumer gets what was queued, then `error`. The first failure wins. */
  fail(error: Error): void {
    if (this.#ended || this.#error) return;
    this.#error = error;
    this.#notify();
  }

  /** Ends the queue at once: what is still queued is dropped (the consumer stopped). */
  end(): void {
    this.#ended = true;
    this.#items.length = 0;
    this.#notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      const item = this.#items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.#ended) return;
      if (this.#error) throw this.#error;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
