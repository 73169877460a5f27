import React, {useEffect, useMemo} from 'react';
import {useDispatch, useSelector} from 'react-redux';

import {format, useStrings} from '../../i18n';
import {openConversation} from '../../rhs';
import {loadChannelConversations} from '../../store/operations';
import {getPluginState, makeGetChannelConversations, type ChannelConversation} from '../../store/selectors';
import type {HostState} from '../../types/host';
import LoadError from '../load_error/load_error';
import {StatusPill} from '../conversation_facts/conversation_facts';
import RelativeTime from '../relative_time/relative_time';
import {useServices} from '../services';
import WaitingTime from '../waiting_time/waiting_time';

const NONE: ChannelConversation[] = [];

function Item({item}: {item: ChannelConversation}) {
    const {strings} = useStrings();
    const dispatch = useDispatch();
    const {root, conversation} = item;
    const name = conversation?.visitorName || strings.unknownVisitor;
    return (
        <li>
            <button
                type='button'
                className='irsv-list__item'
                aria-label={format(strings.openConversationLabel, {name})}
                onClick={() => openConversation(dispatch, root.id, root.channel_id)}
            >
                <span className='irsv-list__title'>
                    <span>{name}</span>
                    <span className='irsv-list__pills'>
                        {conversation && conversation.waitingSince !== null && <WaitingTime since={conversation.waitingSince}/>}
                        <StatusPill status={conversation?.status ?? null}/>
                    </span>
                </span>
                <span className='irsv-list__meta'>
                    <RelativeTime at={conversation?.startedAt ?? root.create_at}/>
                    {conversation?.pageUrl ? ` · ${conversation.pageUrl.replace(/^https?:\/\//, '')}` : ''}
                    {conversation?.assignee ? ` · ${conversation.assignee}` : ''}
                </span>
            </button>
        </li>
    );
}

/**
 * The conversations of a channel: open ones first — those whose visitor waits for an answer at the
 * top, longest wait first, with their waiting time — and closed ones folded away.
 */
export default function ConversationList({channelId}: {channelId: string | null}) {
    const {strings} = useStrings();
    const dispatch = useDispatch();
    const {client} = useServices();
    const getChannelConversations = useMemo(makeGetChannelConversations, []);
    const items = useSelector((state: HostState) => (channelId ? getChannelConversations(state, channelId) : NONE));
    const load = useSelector((state: HostState) => (channelId ? getPluginState(state).channels[channelId] : undefined));

    useEffect(() => {
        if (channelId) {
            loadChannelConversations(dispatch, client, channelId);
        }
    }, [channelId, dispatch, client]);

    if (!channelId) {
        return <p className='irsv-muted'>{strings.noChannel}</p>;
    }

    const open = items.filter((item) => item.conversation?.status !== 'closed');
    const closed = items.filter((item) => item.conversation?.status === 'closed');
    return (
        <section
            className='irsv-section'
            aria-labelledby='irsv-list-heading'
        >
            <h2 id='irsv-list-heading'>{strings.conversationsInChannel}</h2>
            {load?.status === 'loading' && items.length === 0 && <p className='irsv-status'>{strings.loading}</p>}
            {load?.status === 'error' && (
                <LoadError
                    error={load.error}
                    onRetry={() => loadChannelConversations(dispatch, client, channelId)}
                />
            )}
            {open.length === 0 && load?.status !== 'loading' && <p className='irsv-muted'>{strings.noOpenConversations}</p>}
            {open.length > 0 && (
                <ul
                    className='irsv-list'
                    data-testid='irsv-open-conversations'
                >
                    {open.map((item) => (
                        <Item
                            key={item.root.id}
                            item={item}
                        />
                    ))}
                </ul>
            )}
            {closed.length > 0 && (
                <details className='irsv-details'>
                    <summary>{format(strings.closedConversations, {count: closed.length})}</summary>
                    <ul
                        className='irsv-list'
                        style={{marginTop: 8}}
                    >
                        {closed.map((item) => (
                            <Item
                                key={item.root.id}
                                item={item}
                            />
                        ))}
                    </ul>
                </details>
            )}
        </section>
    );
}
