import reducer, {initialState} from './reducers';
import {
    channelConversationsReceived,
    postDeleted,
    postReceived,
    reactionAdded,
    reactionRemoved,
    selectConversation,
    showConversationList,
    threadFailed,
    threadReceived,
    threadRequested,
} from './actions';
import {ActionTypes} from './action_types';
import {postList} from '../testing/fake_client';
import {CHANNEL_ID, ROOT_ID, T0, makeAgentReply, makeGuestMessage, makePost, makeRoot, reaction} from '../testing/fixtures';

test('action types carry the plugin id', () => {
    for (const type of Object.values(ActionTypes)) {
        expect(type.startsWith('net.ireserve.mattermost/')).toBe(true);
    }
});

test('ignores foreign actions', () => {
    expect(reducer(initialState, {type: 'RECEIVED_POSTS'})).toBe(initialState);
});

test('panel: select a conversation, back to the list', () => {
    let state = reducer(initialState, selectConversation(ROOT_ID, CHANNEL_ID));
    expect(state.panel).toEqual({view: 'conversation', rootId: ROOT_ID, channelId: CHANNEL_ID});
    state = reducer(state, showConversationList(null));
    expect(state.panel).toEqual({view: 'list', rootId: ROOT_ID, channelId: CHANNEL_ID});
    state = reducer(state, showConversationList('other'));
    expect(state.panel.channelId).toBe('other');
});

test('thread load: requested, received with reactions from metadata, failed', () => {
    const guest = makeGuestMessage('hi', T0 + 1);
    const reply = makeAgentReply('a', 'hello', T0 + 2, {metadata: {reactions: [reaction('a', 'white_check_mark')]} as never});
    let state = reducer(initialState, threadRequested(ROOT_ID));
    expect(state.threads[ROOT_ID]).toEqual({status: 'loading', error: null, postIds: []});
    state = reducer(state, threadReceived(ROOT_ID, postList([makeRoot(), guest, reply])));
    expect(state.threads[ROOT_ID]).toEqual({status: 'loaded', error: null, postIds: [guest.id, 'a']});
    expect(state.posts[ROOT_ID]?.id).toBe(ROOT_ID);
    expect(Object.keys(state.reactions.a ?? {})).toEqual(['botuserid00000000000000000-white_check_mark']);
    state = reducer(state, threadFailed(ROOT_ID, 'boom'));
    expect(state.threads[ROOT_ID]).toEqual({status: 'error', error: 'boom', postIds: [guest.id, 'a']});
});

test('a reply that arrived during the load is kept', () => {
    let state = reducer(initialState, threadRequested(ROOT_ID));
    state = reducer(state, postReceived(makeAgentReply('late', 'x', T0 + 9)));
    state = reducer(state, threadReceived(ROOT_ID, postList([makeRoot()])));
    expect(state.threads[ROOT_ID]?.postIds).toEqual(['late']);
});

test('post received: added to its followed thread; an older copy never replaces a newer one', () => {
    let state = reducer(initialState, threadReceived(ROOT_ID, postList([makeRoot()])));
    const newer = makeAgentReply('a', 'edited', T0, {update_at: T0 + 10});
    state = reducer(state, postReceived(newer));
    expect(state.threads[ROOT_ID]?.postIds).toEqual(['a']);
    const older = reducer(state, postReceived({...newer, message: 'old', update_at: T0 + 1}));
    expect(older).toBe(state);
    state = reducer(state, postDeleted('a'));
    expect(state.posts.a?.state).toBe('DELETED');
});

test('channel conversations keep only conversation roots of that channel', () => {
    const other = makePost({id: 'plain', message: 'hello'});
    const state = reducer(initialState, channelConversationsReceived(CHANNEL_ID, postList([makeRoot(), other])));
    expect(state.channels[CHANNEL_ID]).toEqual({status: 'loaded', error: null, rootIds: [ROOT_ID]});
    expect(state.posts.plain).toBeUndefined();
    const another = makeRoot(undefined, {id: 'root2'});
    expect(reducer(state, postReceived(another)).channels[CHANNEL_ID]?.rootIds).toEqual(['root2', ROOT_ID]);
});

test('reactions only for posts the plugin holds', () => {
    expect(reducer(initialState, reactionAdded(reaction('unknown', 'warning')))).toBe(initialState);
    let state = reducer(initialState, postReceived(makeAgentReply('a', 'x', T0)));
    state = reducer(state, reactionAdded(reaction('a', 'warning')));
    expect(Object.keys(state.reactions.a ?? {})).toHaveLength(1);
    state = reducer(state, reactionRemoved(reaction('a', 'warning')));
    expect(state.reactions.a).toEqual({});
});
