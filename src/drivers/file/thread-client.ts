/**
 * The main thread's side of a file-store worker thread (bulk-writer.ts,
 * io-thread.ts): starts it from source inlined in the bundle (`eval: true`:
 * no extra file to ship, and node:worker_threads loads only for a walk or a
 * write large enough to use it), numbers each request and hands each answer
 * to its caller, and fails the requests waiting if the thread dies, which
 * should never happen. A thread says `{ ready: true }` once it takes
 * requests, and answers each `{ id, ... }` with a message carrying that id.
 * Idle, it does not keep the process alive (a library user may never
 * dispose a store); with an answer awaited, it does.
 */
import type { ResourceLimits, TransferListItem, Worker } from 'node:worker_threads';

/** How to start a thread: its name in errors, source, data and heap. */
export interface ThreadSpec {
  name: string;
  source: string;
  workerData: unknown;
  resourceLimits: ResourceLimits;
}

/** Requests to one worker thread and their answers. */
export class ThreadClient<Answer> {
  /** True once the thread runs and takes requests (callers work inline until then). */
  ready = false;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void }>();
  private died?: Error;

  private constructor(
    private readonly worker: Worker,
    private readonly name: string,
  ) {
    worker.on('message', (message: { id?: number; ready?: boolean }) => {
      if (message.ready) return void (this.ready = true);
      const waiting = this.waiting.get(message.id!);
      this.waiting.delete(message.id!);
      waiting?.resolve(message as Answer);
      if (this.waiting.size === 0) worker.unref();
    });
    const fail = (error: Error) => {
      this.died ??= error;
      this.ready = false;
      for (const { reject } of this.waiting.values()) reject(this.stopped());
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit ${code}`)));
    worker.unref();
  }

  /** Starts the thread; it becomes `ready` a few tens of ms later. */
  static async start<Answer>(spec: ThreadSpec): Promise<ThreadClient<Answer>> {
    const { Worker } = await import('node:worker_threads');
    const worker = new Worker(spec.source, { eval: true, workerData: spec.workerData, resourceLimits: spec.resourceLimits });
    return new ThreadClient<Answer>(worker, spec.name);
  }

  /** True once the thread has stopped for good. */
  get dead(): boolean {
    return this.died !== undefined;
  }

  /** Sends a request (`transfer`: buffers moved, not copied); rejects if the thread stops before it answers. */
  request(message: Record<string, unknown>, transfer: TransferListItem[] = []): Promise<Answer> {
    if (this.died) return Promise.reject(this.stopped());
    const id = this.next++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  /** Stops the thread (callers have their answers by then). */
  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private stopped(): Error {
    return new Error(`the ${this.name} stopped: ${this.died!.message}`, { cause: this.died });
  }
}
