import React, {useEffect} from 'react';
import {useDispatch, useSelector} from 'react-redux';

import {format, useStrings} from '../../i18n';
import {defaultReplyMode} from '../../model/conversation';
import {openConversationList} from '../../rhs';
import {loadThread} from '../../store/operations';
import {getCurrentChannelId, getPanel, getPluginState, selectorsFor} from '../../store/selectors';
import type {HostState} from '../../types/host';
import ConversationActions from '../conversation_actions/conversation_actions';
import LoadError from '../load_error/load_error';
import Composer from '../composer/composer';
import BookingDetails from '../booking_details/booking_details';
import ConversationFacts from '../conversation_facts/conversation_facts';
import ConversationList from '../conversation_list/conversation_list';
import RecentReplies from '../recent_replies/recent_replies';
import RelativeTime from '../relative_time/relative_time';
import {useServices} from '../services';
import WaitingTime from '../waiting_time/waiting_time';

function LatestGuestMessage({rootId}: {rootId: string}) {
    const {strings} = useStrings();
    const latest = useSelector((state: HostState) => selectorsFor(rootId).getSummary(state).latestGuestMessage);
    const headingId = `irsv-latest-${rootId}`;
    return (
        <section
            className='irsv-section'
            aria-labelledby={headingId}
        >
            <h3 id={headingId}>{strings.latestGuestMessage}</h3>
            {latest ? (
                <>
                    <blockquote
                        className='irsv-quote'
                        data-testid='irsv-latest-guest-message'
                    >
                        {latest.text || (latest.hasFiles ? strings.attachmentOnly : '')}
                    </blockquote>
                    <span className='irsv-status'>
                        {latest.senderName ? `${latest.senderName}, ` : ''}
                        <RelativeTime at={latest.at}/>
                    </span>
                </>
            ) : <p className='irsv-muted' style={{margin: 0}}>{strings.noGuestMessage}</p>}
        </section>
    );
}

/**
 * The bot's latest note about an action when it did not go through: refused by i-Reserve (with
 * i-Reserve's reason) or failed (the bridge could not ask i-Reserve; the bridge's reason).
 */
function RefusedNote({rootId}: {rootId: string}) {
    const {strings} = useStrings();
    const note = useSelector((state: HostState) => selectorsFor(rootId).getSummary(state).latestActionNote);
    if (!note || note.outcome === 'applied') {
        return null;
    }
    return (
        <p
            className='irsv-refused'
            role='status'
            data-testid='irsv-refused-note'
        >
            <strong>{note.outcome === 'refused' ? strings.refusedHeading : strings.failedHeading}</strong>
            {format(strings.refusedNote, {
                actor: note.actorName ?? strings.someone,
                action: strings.actionVerbs[note.action] ?? note.action,
                detail: note.detail ?? strings.refusedNoDetail,
            })}
        </p>
    );
}

function ConversationView({rootId}: {rootId: string}) {
    const {strings} = useStrings();
    const dispatch = useDispatch();
    const {client} = useServices();
    const summary = useSelector((state: HostState) => selectorsFor(rootId).getSummary(state));
    const load = useSelector((state: HostState) => getPluginState(state).threads[rootId]);
    const currentChannelId = useSelector(getCurrentChannelId);

    useEffect(() => {
        loadThread(dispatch, client, rootId);
    }, [rootId, dispatch, client]);

    const {root, conversation} = summary;
    const name = conversation?.visitorName || strings.unknownVisitor;
    const channelId = summary.channelId;

    return (
        <div
            className='irsv-panel'
            data-testid='irsv-panel'
            data-root-id={rootId}
        >
            <div>
                <button
                    type='button'
                    className='irsv-btn irsv-btn--link'
                    onClick={() => openConversationList(dispatch, channelId ?? currentChannelId)}
                >
                    {`← ${strings.backToList}`}
                </button>
            </div>
            {!root && load?.status !== 'error' && <p className='irsv-status'>{strings.loading}</p>}
            {load?.status === 'error' && (
                <LoadError
                    error={load.error}
                    onRetry={() => loadThread(dispatch, client, rootId)}
                />
            )}
            {root && (
                <>
                    <section
                        className='irsv-section'
                        aria-labelledby={`irsv-heading-${rootId}`}
                    >
                        <h2 id={`irsv-heading-${rootId}`}>
                            {conversation?.number ? `${format(strings.conversationNumber, {number: conversation.number})} ` : ''}
                            {format(strings.conversationHeading, {name})}
                        </h2>
                        {conversation && conversation.waitingSince !== null && (
                            <div><WaitingTime since={conversation.waitingSince}/></div>
                        )}
                        {conversation ? (
                            <ConversationFacts
                                conversation={conversation}
                                count={summary.messageCount}
                                showStatus={true}
                            />
                        ) : <p className='irsv-card__notice'>{strings.unsupportedConversation}</p>}
                        {conversation && <BookingDetails booking={conversation.booking}/>}
                        {conversation && (
                            <ConversationActions
                                root={root}
                                conversation={conversation}
                            />
                        )}
                        <RefusedNote rootId={rootId}/>
                    </section>
                    <LatestGuestMessage rootId={rootId}/>
                    {channelId && (
                        <Composer
                            key={rootId}
                            rootId={rootId}
                            channelId={channelId}
                            visitorName={name}
                            defaultMode={defaultReplyMode(conversation ? conversation.relayMode : 'unknown')}
                        />
                    )}
                    <RecentReplies rootId={rootId}/>
                </>
            )}
        </div>
    );
}

/** The right-hand sidebar panel: the selected conversation, or the channel's conversations. */
export default function ConversationPanel() {
    const panel = useSelector(getPanel);
    const currentChannelId = useSelector(getCurrentChannelId);
    if (panel.view === 'conversation' && panel.rootId) {
        return <ConversationView rootId={panel.rootId}/>;
    }
    return (
        <div
            className='irsv-panel'
            data-testid='irsv-panel'
        >
            <ConversationList channelId={panel.channelId ?? currentChannelId ?? null}/>
        </div>
    );
}
