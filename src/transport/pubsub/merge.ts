/**
 * Interleaves async iterators as their items arrive (REST subscribes to channels and patterns
 * with one request each). The first failure ends the merge; every source is returned when the
 * merge ends, however it ends.
 *
 * A source still waiting for its next item cannot be returned until that wait ends, so `stop`
 * (which must end such waits, e.g. by aborting the sources' requests) is called first.
 */
export async function* merge<T>(
  sources: readonly AsyncIterator<T>[],
  stop: () => void,
): AsyncGenerator<T> {
  type Step = { index: number; result: IteratorResult<T> };
  const pending = new Map<number, Promise<Step>>();
  const pull = (index: number) => {
    const step = sources[index]!.next().then((result) => ({ index, result }));
    // Failures are seen through Promise.race; one left behind after the end must not go unhandled.
    step.catch(() => {});
    pending.set(index, step);
  };
  try {
    for (let i = 0; i < sources.length; i++) pull(i);
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      pull(index);
      yield result.value;
    }
  } finally {
    stop();
    await Promise.allSettled(sources.map((source) => source.return?.()));
  }
}
