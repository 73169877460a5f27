// Test support: a gate that holds calls of a fake until the test releases them (to see loading,
// saving and sending states).

export class Gate {
    private held: Promise<void> | null = null;
    private open: (() => void) | null = null;

    /** Calls that pass() from now on wait until release(). */
    hold(): void {
        this.held = new Promise((resolve) => {
            this.open = resolve;
        });
    }

    /** Lets every waiting call go on; later calls pass at once. */
    release(): void {
        this.open?.();
        this.held = null;
    }

    /** Resolves at once, or when the held gate is released. */
    async pass(): Promise<void> {
        if (this.held) {
            await this.held;
        }
    }
}
