// Last-resort clean-up for servers started by the harness when their `stop()` is never reached:
// the process exits, or is told to stop by SIGINT/SIGTERM/SIGHUP (e.g. a test runner's timeout).
//
// Contract: registered functions must be synchronous and must not throw (they kill by pid and
// remove directories with rmSync). On a signal they run, then — unless someone else also listens
// for that signal — the signal is re-raised with its default action, so the process still dies
// the way it was asked to.
const cleanups = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

function runAll(): void {
    for (const fn of [...cleanups]) {
        cleanups.delete(fn);
        try {
            fn();
        } catch {
            // last resort: keep going
        }
    }
}

function onSignal(signal: NodeJS.Signals): void {
    runAll();
    uninstall();
    if (process.listenerCount(signal) === 0) {
        process.kill(process.pid, signal);
    }
}

function install(): void {
    if (installed) {
        return;
    }
    installed = true;
    process.on('exit', runAll);
    for (const s of SIGNALS) {
        process.on(s, onSignal);
    }
}

function uninstall(): void {
    if (!installed) {
        return;
    }
    installed = false;
    process.off('exit', runAll);
    for (const s of SIGNALS) {
        process.off(s, onSignal);
    }
}

/** Registers `fn`; returns a function that unregisters it (call it from a normal `stop()`). */
export function registerCleanup(fn: () => void): () => void {
    cleanups.add(fn);
    install();
    return () => {
        cleanups.delete(fn);
        if (cleanups.size === 0) {
            uninstall();
        }
    };
}
