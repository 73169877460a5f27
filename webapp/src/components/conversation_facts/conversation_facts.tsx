import React from 'react';

import {format, messageCount, useStrings} from '../../i18n';
import type {Conversation} from '../../model/conversation';
import RelativeTime from '../relative_time/relative_time';

export function StatusPill({status}: {status: Conversation['status']}) {
    const {strings} = useStrings();
    if (status === 'open') {
        return <span className='irsv-pill irsv-pill--open'>{strings.statusOpen}</span>;
    }
    if (status === 'closed') {
        return <span className='irsv-pill irsv-pill--closed'>{strings.statusClosed}</span>;
    }
    return <span className='irsv-pill'>{strings.statusUnknown}</span>;
}

type Props = {
    conversation: Conversation;
    count: number;
    showStatus?: boolean;
};

/** Who the visitor is, where and when they started chatting, who handles it, how long it is. */
export default function ConversationFacts({conversation, count, showStatus = false}: Props) {
    const {strings, locale} = useStrings();
    return (
        <dl className='irsv-facts'>
            <dt>{strings.visitor}</dt>
            <dd>
                {conversation.visitorName || strings.unknownVisitor}
                {conversation.visitorEmail && (
                    <a
                        className='irsv-ellipsis'
                        href={`mailto:${conversation.visitorEmail}`}
                        title={conversation.visitorEmail}
                    >
                        {conversation.visitorEmail}
                    </a>
                )}
            </dd>
            <dt>{strings.page}</dt>
            <dd>
                {conversation.pageUrl ? (
                    <a
                        className='irsv-ellipsis'
                        href={conversation.pageUrl}
                        target='_blank'
                        rel='noopener noreferrer'
                        title={format(strings.pageLinkTitle, {url: conversation.pageUrl})}
                    >
                        {conversation.pageUrl.replace(/^https?:\/\//, '')}
                    </a>
                ) : <span className='irsv-muted'>{strings.notProvided}</span>}
            </dd>
            <dt>{strings.started}</dt>
            <dd><RelativeTime at={conversation.startedAt}/></dd>
            {showStatus && (
                <>
                    <dt>{strings.status}</dt>
                    <dd><StatusPill status={conversation.status}/></dd>
                </>
            )}
            <dt>{strings.assignee}</dt>
            <dd>{conversation.assignee ?? <span className='irsv-muted'>{strings.unassigned}</span>}</dd>
            <dt>{strings.messages}</dt>
            <dd>{messageCount(strings, locale, count)}</dd>
        </dl>
    );
}
