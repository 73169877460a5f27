/**
 * Bounds what one caller's refused requests may cost (DESIGN §14): after `limit` refusals within
 * `windowMs`, the caller is refused at once (before its body is read or the database asked) until
 * the window has passed. Keeps at most `maxCallers` callers (the oldest are forgotten first).
 */
export class RefusalBudget {
    readonly #spent = new Map<string, {count: number; since: number}>();

    constructor(private readonly options: {limit: number; windowMs: number; maxCallers?: number; now?: () => number}) {}

    /** Milliseconds until `caller` may try again, or 0 when it may now. */
    retryAfterMs(caller: string): number {
        const entry = this.#current(caller);
        return entry && entry.count >= this.options.limit ? entry.since + this.options.windowMs - this.#now() : 0;
    }

    spend(caller: string): void {
        const entry = this.#current(caller) ?? {count: 0, since: this.#now()};
        entry.count += 1;
        this.#spent.delete(caller);
        this.#spent.set(caller, entry);
        const max = this.options.maxCallers ?? 10_000;
        while (this.#spent.size > max) {
            this.#spent.delete(this.#spent.keys().next().value as string);
        }
    }

    #current(caller: string): {count: number; since: number} | undefined {
        const entry = this.#spent.get(caller);
        if (entry && this.#now() - entry.since >= this.options.windowMs) {
            this.#spent.delete(caller);
            return undefined;
        }
        return entry;
    }

    #now(): number {
        return this.options.now?.() ?? Date.now();
    }
}
