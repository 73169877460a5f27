import React from 'react';

import {IreserveIcon} from '../icons/icons';

/** The channel-header button's icon; the host supplies the button, its tooltip and label. */
export default function ChannelHeaderIcon() {
    return (
        <span
            className='irsv-channel-header-icon'
            style={{display: 'inline-flex'}}
        >
            <IreserveIcon size={18}/>
        </span>
    );
}
