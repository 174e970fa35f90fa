/**
 * Lookups by key gathered into few statements (issue 11): at most one statement in flight; keys
 * asked for meanwhile wait together for the next one (up to `maxBatch` keys a statement). While
 * the database is quick a batch is what arrived in one turn of the event loop; while it is slow
 * the batches grow instead of the queue — at 10,000 devices connecting or speaking for the first
 * time, per-turn batches of a few ids each had become hundreds of statements queued in front of
 * every other statement of the embedded database.
 */
export class BatchLookup<V> {
  private waiting = new Map<string, Array<{ resolve: (v: V | null) => void, reject: (e: unknown) => void }>>()
  private inFlight = false
  private scheduled = false

  constructor (
    private readonly fetch: (keys: string[]) => Promise<Map<string, V>>,
    private readonly maxBatch = 1000
  ) {}

  /** The value for `key` (null when the store has none); rejects when its statement failed. */
  get (key: string): Promise<V | null> {
    return new Promise((resolve, reject) => {
      const w = this.waiting.get(key)
      if (w) w.push({ resolve, reject })
      else this.waiting.set(key, [{ resolve, reject }])
      this.schedule()
    })
  }

  private schedule (): void {
    if (this.inFlight || this.scheduled || this.waiting.size === 0) return
    this.scheduled = true
    setImmediate(() => { this.scheduled = false; this.run() })
  }

  private run (): void {
    if (this.inFlight || this.waiting.size === 0) return
    const batch = new Map<string, Array<{ resolve: (v: V | null) => void, reject: (e: unknown) => void }>>()
    for (const [k, w] of this.waiting) {
      if (batch.size >= this.maxBatch) break
      batch.set(k, w)
    }
    for (const k of batch.keys()) this.waiting.delete(k)
    this.inFlight = true
    this.fetch([...batch.keys()]).then(
      (found) => { for (const [k, ws] of batch) for (const w of ws) w.resolve(found.get(k) ?? null) },
      (err: unknown) => { for (const ws of batch.values()) for (const w of ws) w.reject(err) }
    ).finally(() => {
      this.inFlight = false
      this.schedule()
    })
  }
}
