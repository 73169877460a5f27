import {handleWebSocketEvent} from './websocket';
import {threadReceived} from './actions';
import {getPluginState} from './selectors';
import {postList} from '../testing/fake_client';
import {ROOT_ID, T0, makeAgentReply, makeRoot, reaction} from '../testing/fixtures';
import {makeStore} from '../testing/store';

test('follows posts and reactions of the threads the plugin loaded, ignores the rest', () => {
    const store = makeStore();
    const send = (event: string, data: Record<string, unknown>) => handleWebSocketEvent(store.dispatch, store.getState, {event, data});
    const reply = makeAgentReply('a', 'hello', T0);

    send('posted', {post: JSON.stringify(reply)});
    expect(getPluginState(store.getState()).posts.a).toBeUndefined();

    store.dispatch(threadReceived(ROOT_ID, postList([makeRoot()])));
    send('posted', {post: JSON.stringify(reply)});
    expect(getPluginState(store.getState()).threads[ROOT_ID]?.postIds).toEqual(['a']);

    send('reaction_added', {reaction: JSON.stringify(reaction('a', 'white_check_mark'))});
    expect(Object.keys(getPluginState(store.getState()).reactions.a ?? {})).toHaveLength(1);
    send('reaction_removed', {reaction: JSON.stringify(reaction('a', 'white_check_mark'))});
    expect(getPluginState(store.getState()).reactions.a).toEqual({});

    send('post_edited', {post: JSON.stringify({...reply, message: 'edited', update_at: T0 + 5})});
    expect(getPluginState(store.getState()).posts.a?.message).toBe('edited');
    send('post_deleted', {post: JSON.stringify(reply)});
    expect(getPluginState(store.getState()).posts.a?.state).toBe('DELETED');

    send('posted', {post: '{not json'});
    send('typing', {});
});
