/** Time is injected so tests can be exact; production uses the system clock. */
export interface Clock {
    now(): number;
}

export const systemClock: Clock = {now: () => Date.now()};
