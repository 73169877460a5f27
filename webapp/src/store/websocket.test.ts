import {handleWebSocketEvent} from './websocket';
import {conversationActionStarted, threadReceived} from './actions';
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

test('an ephemeral post in a conversation thread answers the agent\'s action there, and only after a click', () => {
    const store = makeStore();
    const send = (post: Record<string, unknown>) => handleWebSocketEvent(store.dispatch, store.getState, {event: 'ephemeral_message', data: {post: JSON.stringify(post)}});
    const ephemeral = {id: 'e', root_id: ROOT_ID, type: 'system_ephemeral', message: 'Queued.', create_at: T0 + 10};

    send(ephemeral);
    expect(getPluginState(store.getState()).actions[ROOT_ID]).toBeUndefined();

    store.dispatch(conversationActionStarted(ROOT_ID, 'claim', T0, T0 - 100));
    send({...ephemeral, root_id: 'otherroot'});
    send({...ephemeral, message: ''});
    expect(getPluginState(store.getState()).actions[ROOT_ID]?.answer).toBeNull();
    send(ephemeral);
    expect(getPluginState(store.getState()).actions[ROOT_ID]).toMatchObject({answer: 'Queued.', answerAt: T0 + 10});
});
