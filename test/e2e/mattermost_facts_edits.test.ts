// Pins, against the real server, the Mattermost behaviours edits and deletions rely on (DESIGN §12),
// beside mattermost_facts.test.ts: the websocket's post_edited / post_deleted events
// (app/post.go UpdatePost and DeletePost → CleanUpAfterPostDeletion), what posts-since returns for
// edited and deleted posts (store/sqlstore/post_store.go GetPostsSince and Update, which keeps the
// earlier version as a deleted copy; app/post_metadata.go PreparePostForClient blanks deleted
// posts), and files after their post is deleted (app/post.go deletePostFiles, run asynchronously).
//
//   cd test && node --import tsx --test e2e/mattermost_facts_edits.test.ts
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type {Post} from '@mattermost/types/posts';
import type {FileUploadResponse} from '@mattermost/types/files';
import {realMattermostSuite} from './support/suite.js';
import {expectClientError, waitFor} from './support/util.js';

type WsEvent = {event?: string; data?: Record<string, unknown>; broadcast?: Record<string, unknown>};

function openWs(url: string, token: string): {ws: WebSocket; events: WsEvent[]} {
    const ws = new WebSocket(url, {headers: {Authorization: `Bearer ${token}`}});
    const events: WsEvent[] = [];
    ws.on('message', (raw) => events.push(JSON.parse(raw.toString()) as WsEvent));
    ws.on('error', () => undefined);
    return {ws, events};
}

const postOf = (event: WsEvent): Post => JSON.parse(String(event.data?.post)) as Post;

async function fileStatus(url: string, token: string, fileId: string, path = ''): Promise<number> {
    const res = await fetch(`${url}/api/v4/files/${fileId}${path}`, {headers: {Authorization: `Bearer ${token}`}});
    await res.arrayBuffer();
    return res.status;
}

describe('Mattermost facts: edits and deletions (real server)', {timeout: 45 * 60_000}, () => {
    const suite = realMattermostSuite('mattermost_facts_edits.test.ts');
    const wsUrl = (): string => `${suite.mm.url.replace(/^http/, 'ws')}/api/v4/websocket`;

    it('websocket, as the bot: post_edited carries the edited post (message, edit_at) and post_deleted the post as it was, both as JSON strings in data.post; no delete_by for a non-admin', async () => {
        const {ws, events} = openWs(wsUrl(), suite.mm.bot.token);
        try {
            await waitFor('hello', () => events.find((e) => e.event === 'hello'));
            const root = await suite.mm.bot.client.createPost({channel_id: suite.mm.channels.private.id, message: 'a root'});
            const reply = await suite.mm.agents.agent1.client.createPost({channel_id: suite.mm.channels.private.id, root_id: root.id, message: 'first'});
            await suite.mm.agents.agent1.client.patchPost({id: reply.id, message: 'second'});
            const edited = postOf(await waitFor('post_edited', () => events.find((e) => e.event === 'post_edited' && typeof e.data?.post === 'string' && postOf(e).id === reply.id)));
            assert.equal(edited.message, 'second');
            assert.ok(edited.edit_at > 0, 'edit_at set');
            assert.equal(edited.root_id, root.id);
            assert.equal(edited.user_id, suite.mm.agents.agent1.id);

            await suite.mm.agents.agent1.client.deletePost(reply.id);
            const deletedEvent = await waitFor('post_deleted', () => events.find((e) => e.event === 'post_deleted' && typeof e.data?.post === 'string' && postOf(e).id === reply.id));
            const deleted = postOf(deletedEvent);
            assert.equal(deleted.root_id, root.id, 'the thread is named');
            assert.equal(deleted.channel_id, suite.mm.channels.private.id);
            assert.equal(deleted.user_id, suite.mm.agents.agent1.id);
            assert.equal(deleted.delete_at, 0, 'the post as read before the deletion: the event itself says it is deleted');
            assert.equal(deletedEvent.data?.delete_by, undefined, 'delete_by goes to admins only');
        } finally {
            ws.close();
        }
    });

    it('posts-since: an edited post with its new message and edit_at, a deleted one with delete_at and its message blanked, and the earlier version as a deleted copy with original_id', async () => {
        const ch = await suite.mm.admin.client.createChannel({team_id: suite.mm.team.id, name: `edits-since-${suite.mm.suffix}`, display_name: 'Edits since', type: 'P'});
        for (const id of [suite.mm.bot.id, suite.mm.agents.agent1.id]) {
            await suite.mm.admin.client.addToChannel(id, ch.id);
        }
        const root = await suite.mm.bot.client.createPost({channel_id: ch.id, message: 'root'});
        const toEdit = await suite.mm.agents.agent1.client.createPost({channel_id: ch.id, root_id: root.id, message: 'before'});
        const toDelete = await suite.mm.agents.agent1.client.createPost({channel_id: ch.id, root_id: root.id, message: 'doomed'});
        await new Promise((r) => setTimeout(r, 20));
        const since = Date.now();
        await new Promise((r) => setTimeout(r, 20));
        await suite.mm.agents.agent1.client.patchPost({id: toEdit.id, message: 'after'});
        await suite.mm.agents.agent1.client.deletePost(toDelete.id);
        const list = await suite.mm.bot.client.getPostsSince(ch.id, since, false);
        const edited = list.posts[toEdit.id];
        assert.ok(list.order.includes(toEdit.id) && list.order.includes(toDelete.id), 'both in `order`');
        assert.equal(edited?.message, 'after');
        assert.ok((edited?.edit_at ?? 0) > since, 'edit_at moved');
        assert.equal(edited?.delete_at, 0);
        const deleted = list.posts[toDelete.id];
        assert.ok((deleted?.delete_at ?? 0) > 0, 'the deleted post, with delete_at');
        assert.equal(deleted?.message, '', 'its message blanked');
        assert.equal(deleted?.root_id, root.id, 'its thread still named');
        const copies = Object.values(list.posts).filter((post) => post.original_id === toEdit.id);
        assert.equal(copies.length, 1, 'the earlier version is kept as a copy…');
        assert.notEqual(copies[0]!.id, toEdit.id, '…with its own id…');
        assert.ok(copies[0]!.delete_at > 0, '…deleted');
        assert.equal(list.posts[root.id]?.root_id, '', 'the root comes along, a top-level post (the re-sync skips those)');
    });

    it('the bot edits its own post: edit_at set, same id; deleting a post already deleted → 404', async () => {
        const post = await suite.mm.bot.client.createPost({channel_id: suite.mm.channels.private.id, message: 'bot text'});
        assert.equal(post.edit_at, 0);
        const patched = await suite.mm.bot.client.patchPost({id: post.id, message: 'bot text, edited'});
        assert.equal(patched.id, post.id);
        assert.ok(patched.edit_at > 0);
        await suite.mm.bot.client.deletePost(post.id);
        await expectClientError(suite.mm.bot.client.deletePost(post.id), 404);
        await expectClientError(suite.mm.bot.client.getPost(post.id), 404);
    });

    it('a deleted post\'s files: /info (and previews) stop serving them soon after; GET /files/{id} too, unless it was downloaded in the last 30 minutes (its file info stays cached)', async () => {
        const upload = async (name: string): Promise<string> => {
            const form = new FormData();
            form.append('channel_id', suite.mm.channels.private.id);
            form.append('files', new Blob([new Uint8Array(Buffer.from(`guest file ${name}`))], {type: 'text/plain'}), name);
            const res = await fetch(`${suite.mm.url}/api/v4/files`, {method: 'POST', headers: {Authorization: `Bearer ${suite.mm.bot.token}`}, body: form});
            assert.equal(res.status, 201);
            return ((await res.json()) as FileUploadResponse).file_infos[0]!.id;
        };
        const unread = await upload('unread.txt');
        const read = await upload('read.txt');
        const post = await suite.mm.bot.client.createPost({channel_id: suite.mm.channels.private.id, message: 'with files', file_ids: [unread, read]});
        assert.deepEqual([...post.file_ids!].sort(), [unread, read].sort());
        const agent = suite.mm.agents.agent1.token;
        assert.equal(await fileStatus(suite.mm.url, agent, unread, '/info'), 200, 'info served while the post lives');
        assert.equal(await fileStatus(suite.mm.url, agent, read), 200, 'downloaded while the post lives');
        await suite.mm.bot.client.deletePost(post.id);
        // deletePostFiles runs asynchronously after the DELETE answered.
        await waitFor('the files\' info no longer served', async () => await fileStatus(suite.mm.url, agent, unread, '/info') === 404 && await fileStatus(suite.mm.url, agent, read, '/info') === 404);
        assert.equal(await fileStatus(suite.mm.url, agent, unread), 404, 'a file never downloaded: gone');
        assert.equal(await fileStatus(suite.mm.url, suite.mm.admin.token, unread), 404, 'for an admin too');
        // GET /files/{id} reads the file info through the store's cache (FileInfoCacheSec, 30 min),
        // which the deletion does not clear for the file's own key: the earlier download keeps it served.
        assert.equal(await fileStatus(suite.mm.url, agent, read), 200, 'a file downloaded before the deletion is still served from the cached info');
    });
});
