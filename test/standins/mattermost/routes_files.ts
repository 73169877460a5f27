// File upload (multipart or raw body), download and info (api4/file.go).
import path from 'node:path';
import type {FastifyInstance, FastifyRequest} from 'fastify';
import {canPostInChannel, canReadChannel} from './access.js';
import {AppError, forbidden, invalidUrl} from './errors.js';
import {newId} from './ids.js';
import type {FileRec, UserRec} from './records.js';
import {fileInfoJson} from './serialize.js';
import {requireCaller, type Deps} from './server.js';
import type {Store} from './state.js';

type P<T extends string> = {Params: Record<T, string>};
type UploadQuery = {Querystring: {channel_id?: string; filename?: string; client_id?: string}};

const MIME_BY_EXT: Record<string, string> = {
    png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', bmp: 'image/bmp', webp: 'image/webp',
    tif: 'image/tiff', tiff: 'image/tiff', svg: 'image/svg+xml', pdf: 'application/pdf', txt: 'text/plain; charset=utf-8',
    csv: 'text/csv; charset=utf-8', json: 'application/json', zip: 'application/zip', mp4: 'video/mp4', mp3: 'audio/mpeg',
    wav: 'audio/wav', avi: 'video/x-msvideo', mpeg: 'video/mpeg', html: 'text/html; charset=utf-8', htm: 'text/html; charset=utf-8',
    js: 'text/javascript; charset=utf-8', doc: 'application/msword', xml: 'text/xml; charset=utf-8',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
const INLINE_TYPES = new Set([
    'image/jpeg', 'image/png', 'image/bmp', 'image/gif', 'image/tiff', 'image/webp',
    'video/avi', 'video/mpeg', 'video/mp4', 'audio/mpeg', 'audio/wav',
]);

export function registerFileRoutes(app: FastifyInstance, {store}: Deps): void {
    app.post<UploadQuery>('/api/v4/files', {bodyLimit: 8 * 1024 * 1024 * 1024}, async (req, reply) => {
        const caller = requireCaller(req);
        if (req.headers['content-length'] === '0') {
            throw new AppError(400, 'api.file.upload_file.read_request.app_error', 'Unable to upload file(s). Error reading or parsing request data.');
        }
        const result = req.isMultipart()
            ? await uploadMultipart(store, caller.user, req)
            : uploadRaw(store, caller.user, req);
        void reply.code(201);
        return result;
    });

    app.get<P<'file_id'> & {Querystring: {download?: string}}>('/api/v4/files/:file_id', async (req, reply) => {
        const caller = requireCaller(req);
        const file = readableFile(store, caller.user.id, req.params.file_id);
        let type = file.mime_type === '' ? 'application/octet-stream' : file.mime_type;
        if (/javascript|html/.test(type)) {
            type = 'text/plain';
        }
        const escaped = encodeURIComponent(file.name);
        const disposition = INLINE_TYPES.has(type.split(';')[0]!) && req.query.download !== '1' && req.query.download !== 'true'
            ? 'inline'
            : 'attachment';
        return reply
            .header('Content-Type', type)
            .header('Content-Disposition', `${disposition};filename="${escaped}"; filename*=UTF-8''${escaped}`)
            .header('X-Content-Type-Options', 'nosniff')
            .header('X-Frame-Options', 'DENY')
            .header('Cache-Control', 'private, max-age=86400')
            .header('Last-Modified', new Date(file.update_at).toUTCString())
            .send(file.data);
    });

    app.get<P<'file_id'>>('/api/v4/files/:file_id/info', async (req, reply) => {
        const caller = requireCaller(req);
        const file = readableFile(store, caller.user.id, req.params.file_id);
        void reply.header('Cache-Control', 'max-age=2592000, private');
        return fileInfoJson(file);
    });
}

function readableFile(store: Store, userId: string, fileId: string): FileRec {
    const file = store.files.get(fileId);
    if (!file || file.delete_at !== 0) {
        throw new AppError(404, 'api.file.get_file_info.app_error');
    }
    if (file.user_id === userId || store.isAdmin(userId)) {
        return file;
    }
    const channel = store.channels.get(file.channel_id);
    if (file.post_id === '' || !channel || !canReadChannel(store, userId, channel)) {
        throw forbidden();
    }
    return file;
}

function uploadChannel(store: Store, user: UserRec, channelId: string): string {
    const channel = store.channels.get(channelId);
    if (!channel || !canPostInChannel(store, user.id, channel)) {
        throw forbidden();
    }
    return channel.id;
}

function tooLarge(store: Store, name: string): AppError {
    return new AppError(413, 'api.file.upload_file.too_large_detailed.app_error',
        `Unable to upload file ${name}. ${store.config.maxFileSize} bytes max, file too large.`);
}

function saveFile(store: Store, user: UserRec, channelId: string, rawName: string, data: Buffer): FileRec {
    const name = path.basename(rawName.replace(/\\/g, '/')) || 'file';
    const extension = path.extname(name).slice(1).toLowerCase();
    const now = store.now();
    const rec: FileRec = {
        id: newId(),
        user_id: user.id,
        channel_id: channelId,
        post_id: '',
        create_at: now,
        update_at: now,
        delete_at: 0,
        name,
        extension,
        size: data.length,
        mime_type: MIME_BY_EXT[extension] ?? '',
        data,
    };
    store.files.set(rec.id, rec);
    return rec;
}

function uploadRaw(store: Store, user: UserRec, req: FastifyRequest<UploadQuery>): Record<string, unknown> {
    const {channel_id: channelId = '', filename = '', client_id: clientId} = req.query;
    if (filename === '') {
        throw invalidUrl('filename');
    }
    const channel = uploadChannel(store, user, channelId);
    const data = Buffer.isBuffer(req.body) ? req.body : Buffer.from(typeof req.body === 'string' ? req.body : '');
    if (data.length > store.config.maxFileSize) {
        throw tooLarge(store, filename);
    }
    const rec = saveFile(store, user, channel, filename, data);
    return {file_infos: [fileInfoJson(rec)], client_ids: clientId ? [clientId] : []};
}

/**
 * Multipart: `channel_id` (or the query) first, optional `client_ids`, then file parts. A file part
 * before any channel id switches to Mattermost's legacy buffered parsing, which only reads `files`.
 */
async function uploadMultipart(store: Store, user: UserRec, req: FastifyRequest<UploadQuery>): Promise<Record<string, unknown>> {
    let channelId = req.query.channel_id ?? '';
    let checkedChannel = channelId !== '' ? uploadChannel(store, user, channelId) : '';
    let legacy = false;
    const clientIds: string[] = [];
    const files: {name: string; data: Buffer}[] = [];
    try {
        for await (const part of req.parts({limits: {fileSize: store.config.maxFileSize, fieldSize: 10 * 1024}})) {
            if (part.type === 'field') {
                const value = String(part.value);
                if (part.fieldname === 'channel_id') {
                    if (channelId !== '' && value !== channelId) {
                        throw new AppError(400, 'api.file.upload_file.multiple_channel_ids.app_error');
                    }
                    channelId = value;
                    if (!legacy) {
                        checkedChannel = uploadChannel(store, user, channelId);
                    }
                } else if (part.fieldname === 'client_ids') {
                    clientIds.push(value);
                } else if (!legacy) {
                    throw new AppError(400, 'api.file.upload_file.read_form_value.app_error', `Unable to upload file(s). Error reading the value for ${part.fieldname}.`);
                }
                continue;
            }
            if (channelId === '') {
                legacy = true;
            }
            const data = await part.toBuffer();
            if (part.file.truncated || data.length > store.config.maxFileSize) {
                throw tooLarge(store, part.filename);
            }
            if (!legacy || part.fieldname === 'files') {
                files.push({name: part.filename, data});
            }
        }
    } catch (err) {
        const code = (err as {code?: string}).code;
        if (code === 'FST_REQ_FILE_TOO_LARGE') {
            throw tooLarge(store, '');
        }
        throw err;
    }
    if (checkedChannel === '') {
        if (channelId === '') {
            throw invalidUrl('channel_id');
        }
        checkedChannel = uploadChannel(store, user, channelId);
    }
    if (files.length === 0) {
        throw new AppError(400, 'api.file.upload_file.read_request.app_error', 'Unable to upload file(s). No files found in the request.');
    }
    if (clientIds.length > 0 && clientIds.length !== files.length) {
        throw new AppError(400, 'api.file.upload_file.incorrect_number_of_client_ids.app_error');
    }
    const saved = files.map((f) => saveFile(store, user, checkedChannel, f.name, f.data));
    return {file_infos: saved.map(fileInfoJson), client_ids: clientIds};
}
