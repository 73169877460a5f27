// Shared helpers for the stand-in's own tests.
import assert from 'node:assert/strict';
import mm from '@mattermost/client';
import type {Post} from '@mattermost/types/posts';
import {MattermostStandIn, type Seed} from './index.js';

export type Client = InstanceType<typeof mm.Client4>;

export function clientFor(url: string, token?: string): Client {
    const client = new mm.Client4();
    client.setUrl(url);
    if (token) {
        client.setToken(token);
    }
    return client;
}

export async function startSeeded(config?: Parameters<typeof MattermostStandIn.start>[0]): Promise<{standIn: MattermostStandIn; seed: Seed}> {
    const standIn = await MattermostStandIn.start(config);
    return {standIn, seed: standIn.seedDefault()};
}

/** Assert that a Client4 call fails with Mattermost's status and error id. */
export async function rejectsWith(promise: Promise<unknown>, status: number, id: string): Promise<void> {
    await assert.rejects(promise, (err: unknown) => {
        const e = err as {status_code?: number; server_error_id?: string; message?: string};
        assert.equal(e.status_code, status, `status of ${JSON.stringify(e)}`);
        assert.equal(e.server_error_id, id);
        return true;
    });
}

/** A post draft for Client4.createPost/patchPost (which are typed with the full Post). */
export function draft(fields: Record<string, unknown>): Post {
    return fields as unknown as Post;
}
