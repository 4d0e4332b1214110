/**
 * Group commit for reservations: the concurrent callers of one process share transactions. While a
 * batch holds some (account, action) pairs, new requests for those pairs wait and go together in the
 * next batch, so a busy pair pays for one lock, one round trip per statement and one commit per batch
 * instead of per decision; requests for other pairs start a batch at once, up to `maxInFlight`.
 * A pair is never in two running batches of the process, and its requests are decided in arrival order.
 * `run` must be all or nothing (one transaction), so a failed batch can be tried again piece by piece.
 */
interface Submission<Item, Result> {
  items: Item[];
  keys: Set<string>;
  resolve(results: Result[]): void;
  reject(error: unknown): void;
}

export class Coalescer<Item, Result> {
  private waiting: Array<Submission<Item, Result>> = [];
  private readonly busy = new Set<string>();
  private running = 0;

  constructor(
    /** Decides a batch; results in the order of `items`. */
    private readonly run: (items: Item[]) => Promise<Result[]>,
    private readonly keyOf: (item: Item) => string,
    private readonly maxInFlight: number,
    /** Called when nothing is waiting or running any more (the owner may forget this coalescer). */
    private readonly onIdle: () => void = () => undefined,
  ) {}

  submit(items: Item[]): Promise<Result[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ items, keys: new Set(items.map(this.keyOf)), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.maxInFlight) {
      const batch = this.takeReady();
      if (batch.length === 0) break;
      void this.start(batch);
    }
    if (this.running === 0 && this.waiting.length === 0) this.onIdle();
  }

  /** The waiting submissions whose pairs are all free; a pair held back also holds back later submissions of it. */
  private takeReady(): Array<Submission<Item, Result>> {
    const blocked = new Set(this.busy);
    const ready: Array<Submission<Item, Result>> = [];
    const still: Array<Submission<Item, Result>> = [];
    for (const submission of this.waiting) {
      const free = [...submission.keys].every((key) => !blocked.has(key));
      (free ? ready : still).push(submission);
      if (!free) submission.keys.forEach((key) => blocked.add(key));
    }
    this.waiting = still;
    return ready;
  }

  private async start(batch: Array<Submission<Item, Result>>): Promise<void> {
    const keys = batch.flatMap((s) => [...s.keys]);
    keys.forEach((key) => this.busy.add(key));
    this.running += 1;
    try {
      const results = await this.run(batch.flatMap((s) => s.items));
      let offset = 0;
      for (const s of batch) {
        s.resolve(results.slice(offset, offset + s.items.length));
        offset += s.items.length;
      }
    } catch (error) {
      if (batch.length === 1) batch[0].reject(error);
      // Nothing of a failed batch was kept: each submission is tried alone, so only a bad one fails.
      else for (const s of batch) await this.run(s.items).then(s.resolve, s.reject);
    } finally {
      keys.forEach((key) => this.busy.delete(key));
      this.running -= 1;
      this.pump();
    }
  }
}
