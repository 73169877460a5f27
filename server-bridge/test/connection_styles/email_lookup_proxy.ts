import {createServer, request as httpRequest, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';

import {authenticate} from '../../../test/standins/mattermost/auth.js';
import {userJson} from '../../../test/standins/mattermost/serialize.js';
import type {MattermostStandIn} from '../../../test/standins/mattermost/index.js';

/**
 * The Mattermost stand-in has no `GET /api/v4/users/email/{email}` yet (it is not this suite's to
 * change). This small proxy in front of it answers that one route from the stand-in's own store,
 * with Mattermost's rules (401 without a live session; 404 `app.user.missing_account.const`; 403
 * `api.user.get_user_by_email.permissions.app_error` when e-mails are hidden from a non-admin), and
 * passes every other request through unchanged, so the stand-in still counts and logs them.
 * Remove it once the stand-in has the route.
 */
export interface EmailLookupProxy {
    url: string;
    /** How many e-mail look-ups it answered. */
    lookups(): number;
    close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, {'Content-Type': 'application/json'});
    res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, status: number, id: string, message: string): void {
    json(res, status, {id, message, detailed_error: '', request_id: '', status_code: status});
}

export async function startEmailLookupProxy(standIn: MattermostStandIn): Promise<EmailLookupProxy> {
    const upstream = new URL(standIn.url);
    let lookups = 0;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const match = req.method === 'GET' ? /^\/api\/v4\/users\/email\/([^/?]+)/.exec(req.url ?? '') : null;
        if (match) {
            lookups += 1;
            let caller;
            try {
                caller = authenticate(standIn.store, req);
            } catch {
                fail(res, 401, 'api.context.session_expired.app_error', 'Invalid or expired session, please login again.');
                return;
            }
            if (!caller) {
                fail(res, 401, 'api.context.session_expired.app_error', 'Invalid or expired session, please login again.');
                return;
            }
            if (!standIn.store.config.showEmailAddress && !standIn.store.isAdmin(caller.user.id)) {
                fail(res, 403, 'api.user.get_user_by_email.permissions.app_error', 'You do not have the appropriate permissions.');
                return;
            }
            const email = decodeURIComponent(match[1]!).toLowerCase();
            const user = [...standIn.store.users.values()].find((u) => u.email.toLowerCase() === email);
            if (!user) {
                fail(res, 404, 'app.user.missing_account.const', 'Unable to find the user.');
                return;
            }
            json(res, 200, userJson(standIn.store, user, caller.user.id));
            return;
        }
        const forward = httpRequest({host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers}, (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
        });
        forward.on('error', () => {
            res.destroy();
        });
        req.pipe(forward);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const {port} = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        lookups: () => lookups,
        close: () => new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}
