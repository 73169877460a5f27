import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type {FileInfo, FileUploadResponse} from '@mattermost/types/files';
import type {MattermostStandIn, Seed} from './index.js';
import {clientFor, draft, rejectsWith, startSeeded, type Client} from './test_helpers.js';

function form(channelId: string, files: {name: string; type: string; data: string | Uint8Array<ArrayBuffer>}[], clientIds?: string[]): FormData {
    const fd = new FormData();
    fd.append('channel_id', channelId);
    for (const id of clientIds ?? []) {
        fd.append('client_ids', id);
    }
    for (const f of files) {
        fd.append('files', new Blob([f.data], {type: f.type}), f.name);
    }
    return fd;
}

describe('Mattermost stand-in: files', {timeout: 2 * 60_000}, () => {
    let standIn: MattermostStandIn;
    let seed: Seed;
    let bot: Client;
    let anna: Client;

    before(async () => {
        ({standIn, seed} = await startSeeded({config: {maxFileSize: 1024}}));
        bot = clientFor(standIn.url, seed.bot.token);
        anna = clientFor(standIn.url, seed.agent.token);
    });
    after(() => standIn.close());

    it('uploads multipart (channel_id first) and attaches files to a post', async () => {
        const up: FileUploadResponse = await bot.uploadFile(form(seed.channel.id, [
            {name: 'note.txt', type: 'text/plain', data: 'hello file'},
            {name: 'pic.png', type: 'image/png', data: new Uint8Array([0x89, 0x50, 0x4e, 0x47])},
        ], ['c1', 'c2']));
        assert.deepEqual(up.client_ids, ['c1', 'c2']);
        assert.equal(up.file_infos.length, 2);
        const [txt, png] = up.file_infos as [FileInfo, FileInfo];
        assert.equal(txt.name, 'note.txt');
        assert.equal(txt.extension, 'txt');
        assert.equal(txt.size, 10);
        assert.equal(txt.user_id, seed.bot.user.id);
        assert.equal(png.mime_type, 'image/png');

        const post = await bot.createPost(draft({channel_id: seed.channel.id, message: 'files', file_ids: [txt.id, png.id]}));
        assert.deepEqual(post.file_ids, [txt.id, png.id]);
        assert.deepEqual(post.metadata.files?.map((f) => f.id), [txt.id, png.id]);

        const infos = await anna.getFileInfosForPost(post.id);
        assert.deepEqual(infos.map((f) => f.post_id), [post.id, post.id]);
        const infoRes = await fetch(`${anna.getFileRoute(txt.id)}/info`, {headers: {Authorization: `Bearer ${seed.agent.token}`}});
        assert.equal(((await infoRes.json()) as FileInfo).size, 10);

        const res = await fetch(anna.getFileUrl(txt.id, 0), {headers: {Authorization: `Bearer ${seed.agent.token}`}});
        assert.equal(res.status, 200);
        assert.equal(await res.text(), 'hello file');
        assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
        assert.match(res.headers.get('content-disposition') ?? '', /^attachment;filename="note\.txt"/);
        const img = await fetch(anna.getFileUrl(png.id, 0), {headers: {Authorization: `Bearer ${seed.agent.token}`}});
        assert.match(img.headers.get('content-disposition') ?? '', /^inline;/);
        assert.deepEqual(new Uint8Array(await img.arrayBuffer()), new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    });

    it('answers 413 above the maximum file size', async () => {
        await rejectsWith(bot.uploadFile(form(seed.channel.id, [{name: 'big.bin', type: 'application/octet-stream', data: new Uint8Array(1025)}])),
            413, 'api.file.upload_file.too_large_detailed.app_error');
        const ok = await bot.uploadFile(form(seed.channel.id, [{name: 'max.bin', type: 'application/octet-stream', data: new Uint8Array(1024)}]));
        assert.equal(ok.file_infos[0]?.size, 1024);
    });

    it('needs channel access to upload and to download', async () => {
        const outsider = standIn.createUser({username: 'nosy', team_ids: [seed.team.id]});
        const nosy = clientFor(standIn.url, standIn.createToken(outsider.id).token);
        await rejectsWith(nosy.uploadFile(form(seed.private_channel.id, [{name: 'a.txt', type: 'text/plain', data: 'a'}])),
            403, 'api.context.permissions.app_error');

        const up = await bot.uploadFile(form(seed.private_channel.id, [{name: 's.txt', type: 'text/plain', data: 'secret'}]));
        const id = up.file_infos[0]!.id;
        await bot.createPost(draft({channel_id: seed.private_channel.id, message: 's', file_ids: [id]}));
        const denied = await fetch(nosy.getFileUrl(id, 0), {headers: {Authorization: `Bearer ${nosy.getToken()}`}});
        assert.equal(denied.status, 403);
        const missing = await fetch(nosy.getFileUrl('nosuchfilenosuchfilenosuch', 0), {headers: {Authorization: `Bearer ${nosy.getToken()}`}});
        assert.equal(missing.status, 404);
    });

    it('only attaches the author\'s own unattached files', async () => {
        const up = await anna.uploadFile(form(seed.channel.id, [{name: 'mine.txt', type: 'text/plain', data: 'anna'}]));
        const id = up.file_infos[0]!.id;
        const stolen = await bot.createPost(draft({channel_id: seed.channel.id, message: 'steal', file_ids: [id]}));
        assert.deepEqual(stolen.file_ids, []);
        const own = await anna.createPost(draft({channel_id: seed.channel.id, message: 'own', file_ids: [id]}));
        assert.deepEqual(own.file_ids, [id]);
    });
});
