import React from 'react';

import {IreserveIcon} from '../icons/icons';

type Props = {
    className: string;
    title: string;
    /** The post's plain-text fallback, shown as it is. */
    message: string;
    notice: string;
};

/** What a card shows for a post it cannot read (another props version, broken props): the fallback text and why. */
export default function UnsupportedCard({className, title, message, notice}: Props) {
    return (
        <section
            className={className}
            aria-label={title}
        >
            <div className='irsv-card__header'>
                <IreserveIcon className='irsv-card__icon'/>
                <h4 className='irsv-card__title'>{title}</h4>
            </div>
            {message && <p className='irsv-card__text'>{message}</p>}
            <p className='irsv-card__notice'>{notice}</p>
        </section>
    );
}
