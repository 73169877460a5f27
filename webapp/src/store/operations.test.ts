import {runConversationAction} from './operations';
import {getConversationAction} from './selectors';
import {FakeClient, MattermostError} from '../testing/fake_client';
import {ROOT_ID, T0} from '../testing/fixtures';
import {makeStore} from '../testing/store';

test('one action request per conversation at a time: a second one while it runs sends nothing', async () => {
    const store = makeStore();
    const client = new FakeClient();
    client.holdActions();
    const first = runConversationAction(store.dispatch, client, {rootId: ROOT_ID, rootUpdateAt: T0, action: 'close', now: () => T0 + 1});
    const second = runConversationAction(store.dispatch, client, {rootId: ROOT_ID, rootUpdateAt: T0, action: 'close'});
    expect(await second).toBe(false);
    expect(getConversationAction(store.getState(), ROOT_ID)).toMatchObject({action: 'close', pending: true, startedAt: T0 + 1, rootUpdateAt: T0});
    client.releaseActions();
    expect(await first).toBe(true);
    expect(client.postActions).toHaveLength(1);
    expect(getConversationAction(store.getState(), ROOT_ID)).toMatchObject({pending: false, failure: null});

    // Once settled, the next click goes out again.
    client.postActionFailure = new MattermostError('http', 400, 'api.post.do_action.action_integration.app_error', 'status=500');
    expect(await runConversationAction(store.dispatch, client, {rootId: ROOT_ID, rootUpdateAt: T0, action: 'close'})).toBe(true);
    expect(client.postActions).toHaveLength(2);
    expect(getConversationAction(store.getState(), ROOT_ID)).toMatchObject({pending: false, failure: {kind: 'bridge', message: 'status=500'}});
});
