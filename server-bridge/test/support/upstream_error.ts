// The UpstreamError a call fails with (the test fails when it succeeds or throws anything else).
import assert from 'node:assert/strict';

import {UpstreamError} from '../../src/domain/errors.js';

export async function upstreamError(work: () => Promise<unknown>): Promise<UpstreamError> {
    try {
        await work();
    } catch (error) {
        assert.ok(error instanceof UpstreamError, `an UpstreamError, got ${String(error)}`);
        return error;
    }
    throw new Error('expected a failure');
}
