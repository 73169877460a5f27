import {screen} from '@testing-library/react';
import React from 'react';

import ConversationFacts, {StatusPill} from './conversation_facts';
import {T0} from '../../testing/fixtures';
import {renderWithStore} from '../../testing/render';
import {makeStore} from '../../testing/store';
import type {Conversation} from '../../model/conversation';

const conversation: Conversation = {
    licence: 'L-1', conversationId: 'c', visitorName: 'Anna', visitorEmail: null, pageUrl: 'https://park.example.com/',
    startedAt: T0, status: 'open', number: null, assignee: null, assigneeUserId: null, assigneeUsername: null, relayMode: 'all_replies', waitingSince: null, booking: null,
};

test('terms and values, status only when asked', () => {
    const {rerender} = renderWithStore(<ConversationFacts conversation={conversation} count={1}/>, makeStore());
    expect(screen.getAllByRole('term').map((t) => t.textContent)).toEqual(['Visitor', 'Page', 'Started', 'Assignee', 'Messages']);
    expect(screen.getByText('1 message')).toBeInTheDocument();
    rerender(<ConversationFacts conversation={conversation} count={0} showStatus={true}/>);
    expect(screen.getAllByRole('term').map((t) => t.textContent)).toContain('Status');
    expect(screen.getByText('0 messages')).toBeInTheDocument();
});

test('status pill', () => {
    const {rerender} = renderWithStore(<StatusPill status={null}/>, makeStore());
    expect(screen.getByText('Unknown')).toBeInTheDocument();
    rerender(<StatusPill status='closed'/>);
    expect(screen.getByText('Closed')).toBeInTheDocument();
});
