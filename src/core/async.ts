/** Helpers for async iterables the drivers stream keys through. */

/**
 * Yields from several async iterables at once, in whatever order their items
 * arrive (one SCAN per cluster master, all running in parallel).
 */
export async function* mergeAsync<T>(sources: Array<AsyncIterable<T>>): AsyncIterable<T> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<T> }>>();
  const pull = (index: number) => {
    const read = iterators[index]!.next().then((result) => ({ index, result }));
    // A source may fail while the consumer is still busy with an earlier item: the failure waits for the
    // next race instead of counting as unhandled (which ends the process).
    read.catch(() => undefined);
    pending.set(index, read);
  };
  iterators.forEach((_, i) => pull(i));
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
      } else {
        pull(index);
        yield result.value;
      }
    }
  } finally {
    await Promise.all([...pending.keys()].map((i) => iterators[i]!.return?.()));
  }
}

/**
 * Groups a stream into arrays of `size`. A plain (sync) iterable is read
 * without an await per item: for-await over it would cost a microtask each,
 * which is most of the time of a million-entry bulk write.
 */
export async function* batched<T>(source: Iterable<T> | AsyncIterable<T>, size: number): AsyncIterable<T[]> {
  let batch: T[] = [];
  if (Symbol.iterator in source) {
    for (const item of source) {
      batch.push(item);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  } else {
    for await (const item of source) {
      batch.push(item);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
}
