import {spawn, type ChildProcess} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const BRIDGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A bridge running as its own process: the real entry point, so a test can kill it with SIGKILL. */
export interface ChildBridge {
    process: ChildProcess;
    url: string;
    /** Resolves with the exit code (null when killed by a signal). */
    exited: Promise<number | null>;
}

/**
 * Runs the real entry point (`src/main.ts` with tsx), as `npm run dev` would, configured by `env`
 * on top of this process's environment, and waits (up to 60 s) for the URL it listens on.
 * Rejects with its output when it exits or does not start.
 */
export async function startChildBridge(env: Record<string, string>): Promise<ChildBridge> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {cwd: BRIDGE_DIR, env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the bridge did not start: ${output}`)), 60_000);
        child.stdout!.on('data', (chunk: Buffer) => {
            output += chunk.toString('utf8');
            const match = /listening on (http:\/\/[^\s]+)/.exec(output);
            if (match) {
                clearTimeout(timer);
                resolve(match[1]!);
            }
        });
        child.stderr!.on('data', (chunk: Buffer) => {
            output += chunk.toString('utf8');
        });
        child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`the bridge exited with ${code}: ${output}`));
        });
    });
    return {process: child, url, exited};
}
