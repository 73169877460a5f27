import fs from 'node:fs';
import path from 'node:path';
import {randomBytes} from 'node:crypto';

import {parseSecretKey} from '../config/config.js';
import {ensureWritableDir} from '../support/writable_dir.js';

export const KEY_FILE_NAME = 'secret.key';

/**
 * The key that seals secrets at rest: BRIDGE_SECRET_KEY when set; otherwise the one kept in
 * `<dataDir>/secret.key`, generated once with 0600 permissions. Throws with a readable reason.
 */
export function resolveSecretKey(configured: Buffer | undefined, dataDir: string): Buffer {
    if (configured) {
        return configured;
    }
    const file = path.join(dataDir, KEY_FILE_NAME);
    if (fs.existsSync(file)) {
        return parseSecretKey(fs.readFileSync(file, 'utf8').trim(), file);
    }
    ensureWritableDir(dataDir);
    const key = randomBytes(32);
    // 'wx' fails if another process created it meanwhile: then use theirs.
    try {
        fs.writeFileSync(file, key.toString('hex') + '\n', {mode: 0o600, flag: 'wx'});
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
            return parseSecretKey(fs.readFileSync(file, 'utf8').trim(), file);
        }
        throw error;
    }
    return key;
}
