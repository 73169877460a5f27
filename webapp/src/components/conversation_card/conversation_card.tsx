import React, {useLayoutEffect, useRef, useState} from 'react';
import {useDispatch, useSelector} from 'react-redux';

import {format, useStrings} from '../../i18n';
import {parseConversation} from '../../model/conversation';
import {openConversation} from '../../rhs';
import {selectorsFor} from '../../store/selectors';
import type {HostState, PostTypeComponentProps} from '../../types/host';
import BookingDetails from '../booking_details/booking_details';
import ConversationActions from '../conversation_actions/conversation_actions';
import ConversationFacts, {StatusPill} from '../conversation_facts/conversation_facts';
import {IreserveIcon} from '../icons/icons';
import UnsupportedCard from '../unsupported_card/unsupported_card';
import WaitingTime from '../waiting_time/waiting_time';

/** Where Mattermost's web app puts a search result (also pinned and saved messages). */
const SEARCH_RESULT_SELECTOR = '.search-item__container';

/**
 * The root post of a mirrored conversation (`custom_irsv_conversation`), in the channel and at
 * the head of its thread. It reads the post it is given, so it re-renders when the bridge patches it.
 *
 * The card draws its own action buttons (ConversationActions). Mattermost's web app does not draw
 * the post's attachments (with their interactive buttons) for a post type a plugin renders:
 * MessageWithAdditionalContent skips PostBodyAdditionalContent when `hasPlugin`
 * (webapp/channels/src/components/message_with_additional_content.tsx), so the agent sees one set
 * of buttons; clients without the plugin draw the attachment's buttons instead. Search results
 * (and the pinned and saved lists drawn like them) are the exception: there Mattermost draws the
 * attachments around the plugin's component too (PostComponent wraps PostMessageContainer in
 * PostBodyAdditionalContent when isSearchResultItem, components/post/post_component.tsx), inside
 * `.search-item__container`; there the card leaves the buttons to the attachment.
 */
export default function ConversationCard({post, isRHS}: PostTypeComponentProps) {
    const {strings} = useStrings();
    const dispatch = useDispatch();
    const loadedCount = useSelector((state: HostState) => selectorsFor(post.id).getSummary(state).messageCount);
    const parsed = parseConversation(post);
    const className = isRHS ? 'irsv-card irsv-card--rhs' : 'irsv-card';
    const ref = useRef<HTMLElement>(null);
    const [inSearchResult, setInSearchResult] = useState(false);
    useLayoutEffect(() => {
        setInSearchResult(Boolean(ref.current?.closest(SEARCH_RESULT_SELECTOR)));
    }, []);

    if (!parsed.ok) {
        return (
            <UnsupportedCard
                className={className}
                title={strings.panelTitle}
                message={post.message}
                notice={strings.unsupportedConversation}
            />
        );
    }

    const {conversation} = parsed;
    const name = conversation.visitorName || strings.unknownVisitor;
    const title = format(strings.conversationHeading, {name});
    return (
        <section
            ref={ref}
            className={className}
            aria-label={title}
        >
            <div className='irsv-card__header'>
                <IreserveIcon className='irsv-card__icon'/>
                {conversation.number !== null && (
                    <span
                        className='irsv-number'
                        title={format(strings.conversationNumberLabel, {number: conversation.number})}
                    >
                        {format(strings.conversationNumber, {number: conversation.number})}
                    </span>
                )}
                <h4 className='irsv-card__title'>{title}</h4>
                {conversation.waitingSince !== null && <WaitingTime since={conversation.waitingSince}/>}
                <StatusPill status={conversation.status}/>
            </div>
            <ConversationFacts
                conversation={conversation}
                count={Math.max(loadedCount, post.reply_count ?? 0)}
            />
            <BookingDetails booking={conversation.booking}/>
            {!inSearchResult && (
                <ConversationActions
                    root={post}
                    conversation={conversation}
                />
            )}
            <div className='irsv-card__footer'>
                <button
                    type='button'
                    className='irsv-btn irsv-btn--primary'
                    aria-label={format(strings.openConversationLabel, {name})}
                    onClick={() => openConversation(dispatch, post.id, post.channel_id)}
                >
                    {strings.openConversation}
                </button>
            </div>
        </section>
    );
}
