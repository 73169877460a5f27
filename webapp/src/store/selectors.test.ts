import {
    getConversationRootId,
    getDeliveryOfPost,
    getLocale,
    getMaxFileSize,
    makeGetChannelConversations,
    selectorsFor,
} from './selectors';
import {postReceived, threadReceived} from './actions';
import {postList} from '../testing/fake_client';
import {
    AGENT_ID,
    CHANNEL_ID,
    OTHER_AGENT_ID,
    ROOT_ID,
    T0,
    conversationProps,
    makeAgentReply,
    makeGuestMessage,
    makePost,
    makeRoot,
    reaction,
} from '../testing/fixtures';
import {hostPostReceived, hostReactionAdded, makeEntities, makeStore} from '../testing/store';

const guest1 = makeGuestMessage('Is the beach house free in July?', T0 + 1000);
const mine = makeAgentReply('mine00000000000000000000001', 'Yes it is', T0 + 2000);
const guest2 = makeGuestMessage('Great, and pets?', T0 + 3000);
const theirs = makeAgentReply('theirs000000000000000000001', 'Pets welcome', T0 + 4000, {user_id: OTHER_AGENT_ID});

function storeWithThread() {
    return makeStore(makeEntities([makeRoot(undefined, {reply_count: 4}), guest1, mine, guest2, theirs], [reaction(mine.id, 'white_check_mark')]));
}

test('thread, summary and latest guest message from the host store', () => {
    const store = storeWithThread();
    const {getThread, getSummary} = selectorsFor(ROOT_ID);
    expect(getThread(store.getState()).replies.map((post) => post.id)).toEqual([guest1.id, mine.id, guest2.id, theirs.id]);
    const summary = getSummary(store.getState());
    expect(summary).toMatchObject({botUserId: 'botuserid00000000000000000', messageCount: 4, channelId: CHANNEL_ID});
    expect(summary.latestGuestMessage).toMatchObject({postId: guest2.id, text: 'Great, and pets?'});
    expect(summary.conversation?.visitorName).toBe('Anna de Vries');
});

test('selectors are memoised: same state, same result', () => {
    const store = storeWithThread();
    const {getSummary, getDeliveries, getRecentReplies} = selectorsFor(ROOT_ID);
    expect(getSummary(store.getState())).toBe(getSummary(store.getState()));
    expect(getDeliveries(store.getState())).toBe(getDeliveries(store.getState()));
    expect(getRecentReplies(store.getState())).toBe(getRecentReplies(store.getState()));
    expect(selectorsFor(ROOT_ID)).toBe(selectorsFor(ROOT_ID));
});

test('host and plugin posts are merged, host first, and the count follows', () => {
    const store = makeStore(makeEntities([makeRoot()]));
    store.dispatch(threadReceived(ROOT_ID, postList([makeRoot(), guest1, {...mine, message: 'plugin copy'}])));
    store.dispatch(hostPostReceived({...mine, message: 'host copy'}));
    const {replies} = selectorsFor(ROOT_ID).getThread(store.getState());
    expect(replies.map((post) => post.message)).toEqual(['Is the beach house free in July?', 'host copy']);
    expect(selectorsFor(ROOT_ID).getSummary(store.getState()).messageCount).toBe(2);
});

test('recent replies: the current user only, newest first, with delivery', () => {
    const store = storeWithThread();
    const later = makeAgentReply('mine00000000000000000000002', 'note', T0 + 5000, {props: {ireserve_reply: {mode: 'note'}}});
    store.dispatch(hostPostReceived(later));
    const recent = selectorsFor(ROOT_ID).getRecentReplies(store.getState());
    expect(recent.map(({post, delivery}) => [post.id, delivery.kind])).toEqual([[later.id, 'note'], [mine.id, 'delivered']]);
    expect(recent.every(({post}) => post.user_id === AGENT_ID)).toBe(true);
});

test('delivery of one post follows reactions arriving in the host store', () => {
    const store = storeWithThread();
    expect(getDeliveryOfPost(store.getState(), theirs.id)).toEqual({kind: 'pending'});
    store.dispatch(hostReactionAdded(reaction(theirs.id, 'warning')));
    expect(getDeliveryOfPost(store.getState(), theirs.id)).toEqual({kind: 'failed', reason: null});
    expect(getDeliveryOfPost(store.getState(), guest1.id)).toBeNull();
    expect(getDeliveryOfPost(store.getState(), ROOT_ID)).toBeNull();
    expect(getDeliveryOfPost(store.getState(), 'missing')).toBeNull();
});

test('delivery is null in threads that are not conversations', () => {
    const root = makePost({id: 'plainroot', message: 'hi'});
    const reply = makeAgentReply('r', 'x', T0, {root_id: 'plainroot'});
    const store = makeStore(makeEntities([root, reply]));
    expect(getDeliveryOfPost(store.getState(), 'r')).toBeNull();
    expect(getConversationRootId(store.getState(), 'r')).toBeNull();
});

test('conversation root of a post', () => {
    const store = storeWithThread();
    expect(getConversationRootId(store.getState(), ROOT_ID)).toBe(ROOT_ID);
    expect(getConversationRootId(store.getState(), theirs.id)).toBe(ROOT_ID);

    // Root not loaded (collapsed threads): a mirrored message still tells.
    const lonely = makeStore(makeEntities([guest1]));
    expect(getConversationRootId(lonely.getState(), guest1.id)).toBe(ROOT_ID);
});

test('channel conversations: newest first, other channels and deleted roots left out', () => {
    const older = makeRoot(conversationProps({started_at: new Date(T0 - 60_000).toISOString(), visitor_name: 'Older'}), {id: 'older'});
    const elsewhere = makeRoot(undefined, {id: 'elsewhere', channel_id: 'otherchannel'});
    const deleted = makeRoot(undefined, {id: 'deleted', delete_at: T0});
    const store = makeStore(makeEntities([older, makeRoot(), elsewhere, deleted]));
    const select = makeGetChannelConversations();
    expect(select(store.getState(), CHANNEL_ID).map((item) => item.root.id)).toEqual([ROOT_ID, 'older']);
    const fetched = makeRoot(undefined, {id: 'fetched', create_at: T0 + 10});
    store.dispatch(postReceived(fetched));
    expect(select(store.getState(), CHANNEL_ID).map((item) => item.root.id)).toEqual([ROOT_ID, 'older']); // channel not followed
});

test('locale and max file size from the host', () => {
    const store = makeStore(makeEntities([], [], {locale: 'nl', maxFileSize: 1024}));
    expect(getLocale(store.getState())).toBe('nl');
    expect(getMaxFileSize(store.getState())).toBe(1024);
});

test('no locale of the user\'s own: the server\'s default client locale, else English', () => {
    const entities = makeEntities([], [], {locale: ''});
    expect(getLocale(makeStore({...entities, general: {config: {...entities.general.config, DefaultClientLocale: 'nl'}}}).getState())).toBe('nl');
    expect(getLocale(makeStore(entities).getState())).toBe('en');
});
