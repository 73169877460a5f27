// BotSessions.forJob: the codes a job is parked with when its integration cannot act. The code for
// a deleted integration is the contract's INTEGRATION_MISSING_CODE (shown in the admin API's
// deliveries as `last_error_code`); the repository is a plain object answering as told.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {BotSessions} from '../../src/bot/session.js';
import {INTEGRATION_MISSING_CODE} from '../../src/contract/index.js';
import type {Integration} from '../../src/domain/integration.js';
import {PermanentFailure} from '../../src/outbox/retry_policy.js';

function sessions(integration: Partial<Integration> | undefined): BotSessions {
    return new BotSessions({
        integrations: {getCached: async () => integration} as never,
        mattermost: {for: () => ({})} as never,
        gate: {wrap: (_licence: string, port: unknown) => port} as never,
    });
}

describe('BotSessions.forJob', {timeout: 30_000}, () => {
    test('a deleted integration: PermanentFailure with INTEGRATION_MISSING_CODE', async () => {
        await assert.rejects(sessions(undefined).forJob('L-1'), (error: unknown) => {
            assert.ok(error instanceof PermanentFailure);
            assert.equal(error.code, INTEGRATION_MISSING_CODE);
            assert.equal(error.code, 'integration_missing');
            return true;
        });
    });

    test('an inactive integration: `inactive`, unless the job runs for inactive ones too', async () => {
        const inactive = {licence: 'L-1', active: false, botUserId: 'bot', updatedAt: 1} as Partial<Integration>;
        await assert.rejects(sessions(inactive).forJob('L-1'), (error: unknown) => error instanceof PermanentFailure && error.code === 'inactive');
        const session = await sessions(inactive).forJob('L-1', {requireActive: false});
        assert.equal(session.licence, 'L-1');
        assert.equal(await session.botUserId(), 'bot');
    });
});
