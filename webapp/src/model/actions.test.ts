import {actionsFor, isAssignedTo, offeredActions, parseActionNote} from './actions';
import {parseConversation, type Conversation} from './conversation';
import {AGENT_ID, actionAttachments, conversationProps, makeActionNote, makePost, makeRoot} from '../testing/fixtures';

const ALL = new Set(['claim', 'assign', 'unassign', 'close', 'reopen'] as const);
const me = {userId: AGENT_ID, username: 'sam'};

function conversation(overrides: Record<string, unknown>): Conversation {
    const parsed = parseConversation(makeRoot(conversationProps(overrides)));
    if (!parsed.ok) {
        throw new Error('fixture');
    }
    return parsed.conversation;
}

test('offeredActions reads the action ids of the root attachments, ignoring anything else', () => {
    const root = makePost({id: 'r', props: {attachments: [...actionAttachments(['claim', 'close']), {actions: [{id: 'dance'}, null, 'x']}, 'junk']}});
    expect([...offeredActions(root)]).toEqual(['claim', 'close']);
    expect(offeredActions(makePost({id: 'r', props: {attachments: 'nope'}})).size).toBe(0);
    expect(offeredActions(null).size).toBe(0);
});

test('buttons follow the state and the viewer', () => {
    expect(actionsFor(conversation({assignee: undefined}), me, ALL)).toEqual(['claim', 'assign', 'close']);
    expect(actionsFor(conversation({assignee: {name: 'Sam Support', mattermost_user_id: AGENT_ID}}), me, ALL)).toEqual(['unassign', 'close']);
    expect(actionsFor(conversation({assignee: {name: 'Kim', mattermost_user_id: 'someoneelse00000000000000'}}), me, ALL)).toEqual(['claim', 'assign', 'close']);
    expect(actionsFor(conversation({status: 'closed', assignee: {name: 'Sam', mattermost_user_id: AGENT_ID}}), me, ALL)).toEqual(['reopen']);
    // only what the root offers
    expect(actionsFor(conversation({assignee: undefined}), me, new Set(['close'] as const))).toEqual(['close']);
});

test('isAssignedTo: by user id first, else by username; a name alone is nobody in particular', () => {
    expect(isAssignedTo(conversation({assignee: {name: 'Sam', username: 'sam'}}), me)).toBe(true);
    expect(isAssignedTo(conversation({assignee: {name: 'Sam', username: 'sam', mattermost_user_id: 'other000000000000000000000'}}), me)).toBe(false);
    expect(isAssignedTo(conversation({assignee: {name: 'Sam Support', email: 'sam@example.com'}}), me)).toBe(false);
    expect(isAssignedTo(conversation({assignee: 'Sam'}), me)).toBe(false);
});

test('the conversation number and the assignee identity are read from the root', () => {
    const c = conversation({number: 17, assignee: {name: 'Kim', username: 'kim', mattermost_user_id: 'kimid'}});
    expect(c).toMatchObject({number: 17, assignee: 'Kim', assigneeUsername: 'kim', assigneeUserId: 'kimid'});
    expect(conversation({number: '17'}).number).toBeNull();
    expect(conversation({number: -1}).number).toBeNull();
});

test('parseActionNote reads the bot notes and nothing else', () => {
    expect(parseActionNote(makeActionNote('n', {action: 'close', outcome: 'refused', actor_name: 'Anna Agent', detail: 'Booking still open'}, 1))).toEqual({
        action: 'close', outcome: 'refused', actorName: 'Anna Agent', detail: 'Booking still open',
    });
    expect(parseActionNote(makeActionNote('n', {action: 'claim', outcome: 'applied'}, 1))).toEqual({action: 'claim', outcome: 'applied', actorName: null, detail: null});
    expect(parseActionNote(makeActionNote('n', {action: 'explode', outcome: 'applied'}, 1))).toBeNull();
    expect(parseActionNote(makeActionNote('n', {action: 'claim', outcome: 'failed', detail: 'No callback URL'}, 1))).toMatchObject({outcome: 'failed', detail: 'No callback URL'});
    expect(parseActionNote(makeActionNote('n', {action: 'claim', outcome: 'maybe'}, 1))).toBeNull();
    expect(parseActionNote(makePost({id: 'x', props: {ireserve: {v: 1, message_id: 'm'}}}))).toBeNull();
});
