import fs from 'node:fs';
import path from 'node:path';

/**
 * Creates `dir` one level at a time (a recursive mkdir can spin forever under /proc) and checks that
 * a file can be written there. Throws an errno error otherwise.
 */
export function ensureWritableDir(dir: string): void {
    const missing: string[] = [];
    let probe = path.resolve(dir);
    while (!fs.existsSync(probe)) {
        missing.unshift(probe);
        probe = path.dirname(probe);
    }
    for (const level of missing) {
        fs.mkdirSync(level);
    }
    const marker = path.join(dir, `.write-test-${process.pid}`);
    fs.writeFileSync(marker, '');
    fs.rmSync(marker);
}
