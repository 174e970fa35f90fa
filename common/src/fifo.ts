/**
 * A first-in first-out queue: O(1) push and shift (an array's shift moves every element) in a
 * ring that grows by doubling and never shrinks — no allocation per entry once it has grown to
 * the busiest moment's size. The PGlite worker's lower lanes (platform/src/db/db.ts) and the
 * gateway's read scheduler (gateway/src/read-scheduler.ts) queue with it.
 */
export class Fifo<T> {
  private items: Array<T | undefined> = new Array<T | undefined>(64).fill(undefined)
  private head = 0
  /** entries waiting */
  length = 0

  push (item: T): void {
    if (this.length === this.items.length) {
      const grown = new Array<T | undefined>(this.items.length * 2).fill(undefined)
      for (let i = 0; i < this.length; i++) grown[i] = this.items[(this.head + i) % this.items.length]
      this.items = grown
      this.head = 0
    }
    this.items[(this.head + this.length++) % this.items.length] = item
  }

  /** The oldest entry, removed; undefined when empty. */
  shift (): T | undefined {
    if (this.length === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) % this.items.length
    this.length--
    return item
  }
}
