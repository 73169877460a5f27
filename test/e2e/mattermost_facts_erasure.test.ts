// Pins, against the real server, the Mattermost behaviours erasure relies on (DESIGN §12;
// server-bridge/src/outbound/erasure.ts), beside mattermost_facts.test.ts: what deleting a root does
// to its replies (others' included) and their files, and what search and the thread answer
// afterwards — all as an agent reads them through the API. A file downloaded shortly before its
// post is deleted stays downloadable from the file-info cache for up to 30 minutes: pinned in
// mattermost_facts_edits.test.ts.
//
//   cd test && node --import tsx --test e2e/mattermost_facts_erasure.test.ts
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import type {FileUploadResponse} from '@mattermost/types/files';
import type {Post} from '@mattermost/types/posts';
import type {RealMattermost} from './harness/index.js';
import {realMattermostSuite} from './support/suite.js';
import {waitFor} from './support/util.js';

async function upload(mm: RealMattermost, token: string, text: string): Promise<string> {
    const form = new FormData();
    form.append('channel_id', mm.channels.public.id);
    form.append('files', new Blob([text], {type: 'text/plain'}), 'note.txt');
    const res = await fetch(`${mm.url}/api/v4/files`, {method: 'POST', headers: {Authorization: `Bearer ${token}`}, body: form});
    assert.equal(res.status, 201);
    return ((await res.json()) as FileUploadResponse).file_infos[0]!.id;
}

/** The HTTP status an agent gets for a GET of `path`. */
async function agentGets(mm: RealMattermost, path: string): Promise<number> {
    const res = await fetch(`${mm.url}/api/v4${path}`, {headers: {Authorization: `Bearer ${mm.agents.agent1.token}`}});
    await res.arrayBuffer();
    return res.status;
}

async function agentSearch(mm: RealMattermost, terms: string): Promise<string[]> {
    const found = await mm.agents.agent1.client.searchPosts(mm.team.id, terms, false);
    return found.order;
}

describe('Mattermost facts: deleting posts (real server)', {timeout: 30 * 60_000}, () => {
    const suite = realMattermostSuite('mattermost_facts_erasure.test.ts');

    it('the bot deleting its root deletes every reply (an agent\'s included): posts, thread and search answer nothing to an agent', async () => {
        const word = `erasable${suite.mm.suffix}a`;
        const root = await suite.mm.bot.client.createPost({channel_id: suite.mm.channels.public.id, message: `root ${word}`} as Post);
        const botReply = await suite.mm.bot.client.createPost({channel_id: suite.mm.channels.public.id, root_id: root.id, message: `guest text ${word}`} as Post);
        const agentReply = await suite.mm.agents.agent1.client.createPost({channel_id: suite.mm.channels.public.id, root_id: root.id, message: `agent text ${word}`} as Post);
        assert.equal((await agentSearch(suite.mm, word)).length, 3, 'search finds the three posts before');

        await suite.mm.bot.client.deletePost(root.id);
        for (const id of [root.id, botReply.id, agentReply.id]) {
            assert.equal(await agentGets(suite.mm, `/posts/${id}`), 404, `post ${id} gone for an agent`);
        }
        assert.equal(await agentGets(suite.mm, `/posts/${root.id}/thread`), 404);
        assert.deepEqual(await agentSearch(suite.mm, word), [], 'search finds none of them');
        // Not even the bot may read them back.
        assert.equal((await fetch(`${suite.mm.url}/api/v4/posts/${agentReply.id}`, {headers: {Authorization: `Bearer ${suite.mm.bot.token}`}})).status, 404);
    });

    it('files: a deleted post\'s files stop being served (/info, and the download of a file not downloaded before); deleting a root does the same for its replies\' files, an agent\'s included', async () => {
        const root = await suite.mm.bot.client.createPost({channel_id: suite.mm.channels.public.id, message: 'root with files'} as Post);
        const ownFile = await upload(suite.mm, suite.mm.bot.token, 'guest file deleted with its post');
        const own = await suite.mm.bot.client.createPost({channel_id: suite.mm.channels.public.id, root_id: root.id, message: 'bot reply', file_ids: [ownFile]} as Post);
        const withRootFile = await upload(suite.mm, suite.mm.bot.token, 'guest file left to the root');
        await suite.mm.bot.client.createPost({channel_id: suite.mm.channels.public.id, root_id: root.id, message: 'bot reply 2', file_ids: [withRootFile]} as Post);
        const agentFile = await upload(suite.mm, suite.mm.agents.agent1.token, 'agent file');
        await suite.mm.agents.agent1.client.createPost({channel_id: suite.mm.channels.public.id, root_id: root.id, message: 'agent reply', file_ids: [agentFile]} as Post);
        for (const id of [ownFile, withRootFile, agentFile]) {
            // /info only: a download would cache the file's info for 30 minutes (mattermost_facts_edits.test.ts).
            assert.equal(await agentGets(suite.mm, `/files/${id}/info`), 200, 'served before');
        }
        // The bot deletes its reply itself: the file goes with it (deletePostFiles runs after the DELETE answered).
        await suite.mm.bot.client.deletePost(own.id);
        await waitFor('the deleted reply\'s file info gone', async () => await agentGets(suite.mm, `/files/${ownFile}/info`) === 404);
        assert.equal(await agentGets(suite.mm, `/files/${ownFile}`), 404, 'the deleted post\'s file is not downloadable');

        // The root goes: its replies' files are detached too, an agent's included (none was downloaded before).
        await suite.mm.bot.client.deletePost(root.id);
        await waitFor('the replies\' file infos gone', async () => await agentGets(suite.mm, `/files/${withRootFile}/info`) === 404 && await agentGets(suite.mm, `/files/${agentFile}/info`) === 404);
        assert.equal(await agentGets(suite.mm, `/files/${withRootFile}`), 404);
        assert.equal(await agentGets(suite.mm, `/files/${agentFile}`), 404);
    });

    it('the bot may not delete an agent\'s post (403), even in its own thread', async () => {
        const root = await suite.mm.bot.client.createPost({channel_id: suite.mm.channels.public.id, message: 'root'} as Post);
        const reply = await suite.mm.agents.agent1.client.createPost({channel_id: suite.mm.channels.public.id, root_id: root.id, message: 'agent'} as Post);
        const res = await fetch(`${suite.mm.url}/api/v4/posts/${reply.id}`, {method: 'DELETE', headers: {Authorization: `Bearer ${suite.mm.bot.token}`}});
        await res.arrayBuffer();
        assert.equal(res.status, 403);
        await suite.mm.bot.client.deletePost(root.id);
    });
});
