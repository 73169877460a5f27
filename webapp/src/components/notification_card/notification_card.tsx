import React from 'react';

import {notificationTypeLabel, useStrings} from '../../i18n';
import {parseNotification} from '../../model/conversation';
import type {PostTypeComponentProps} from '../../types/host';
import {IreserveIcon} from '../icons/icons';
import UnsupportedCard from '../unsupported_card/unsupported_card';

/** A booking notification (`custom_irsv_notification`): its type, title, text and link. */
export default function NotificationCard({post, isRHS}: PostTypeComponentProps) {
    const {strings} = useStrings();
    const parsed = parseNotification(post);
    const className = isRHS ? 'irsv-card irsv-card--rhs' : 'irsv-card';

    if (!parsed.ok) {
        return (
            <UnsupportedCard
                className={className}
                title={strings.notification}
                message={post.message}
                notice={strings.unsupportedNotification}
            />
        );
    }

    const {notification} = parsed;
    const label = notificationTypeLabel(strings, notification.notificationType);
    const title = notification.title ?? label;
    const text = notification.text ?? post.message;
    return (
        <section
            className={className}
            aria-label={title}
        >
            <div className='irsv-card__header'>
                <IreserveIcon className='irsv-card__icon'/>
                <h4 className='irsv-card__title'>{title}</h4>
                <span className='irsv-pill'>{label}</span>
            </div>
            {text && text !== title && <p className='irsv-card__text'>{text}</p>}
            {notification.url && (
                <div className='irsv-card__footer'>
                    <a
                        className='irsv-btn'
                        href={notification.url}
                        target='_blank'
                        rel='noopener noreferrer'
                    >
                        {strings.openInIreserve}
                    </a>
                </div>
            )}
        </section>
    );
}
