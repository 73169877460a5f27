import React from 'react';

import {format, useStrings} from '../../i18n';

type Props = {
    /** The reason as the client gave it. */
    error: string | null | undefined;
    onRetry: () => void;
};

/** "Could not load …" with the reason and a Retry button, announced to screen readers. */
export default function LoadError({error, onRetry}: Props) {
    const {strings} = useStrings();
    return (
        <p
            className='irsv-error'
            role='alert'
        >
            {format(strings.loadFailed, {error: error ?? ''})}
            {' '}
            <button
                type='button'
                className='irsv-btn irsv-btn--link'
                onClick={onRetry}
            >
                {strings.retry}
            </button>
        </p>
    );
}
