import React from 'react';
import {useSelector} from 'react-redux';

import {format, useStrings} from '../../i18n';
import {selectorsFor} from '../../store/selectors';
import type {HostState} from '../../types/host';
import {DeliveryPill} from '../delivery_badge/delivery_badge';
import RelativeTime from '../relative_time/relative_time';

/** The current agent's latest replies in the conversation, newest first, with their delivery state. */
export default function RecentReplies({rootId}: {rootId: string}) {
    const {strings} = useStrings();
    const replies = useSelector((state: HostState) => selectorsFor(rootId).getRecentReplies(state));
    const headingId = `irsv-recent-${rootId}`;
    return (
        <section
            className='irsv-section'
            aria-labelledby={headingId}
        >
            <h3 id={headingId}>{strings.recentReplies}</h3>
            {replies.length === 0 ? (
                <p
                    className='irsv-muted'
                    style={{margin: 0}}
                >
                    {strings.noRecentReplies}
                </p>
            ) : (
                <ul
                    className='irsv-replies'
                    data-testid='irsv-recent-replies'
                >
                    {replies.map(({post, delivery}) => (
                        <li
                            key={post.id}
                            data-post-id={post.id}
                            data-delivery={delivery.kind}
                        >
                            {post.message && <span className='irsv-replies__text'>{post.message}</span>}
                            <span className='irsv-replies__meta'>
                                <DeliveryPill delivery={delivery}/>
                                <RelativeTime at={post.create_at}/>
                                {(post.file_ids?.length ?? 0) > 0 && <span>{format(strings.attachmentsCount, {count: post.file_ids!.length})}</span>}
                            </span>
                        </li>
                    ))}
                </ul>
            )}
        </section>
    );
}
