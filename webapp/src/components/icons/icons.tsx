import React from 'react';

/** The i-Reserve mark (a chat bubble with an "i"), in the current text colour. */
export function IreserveIcon({className, size = 16}: {className?: string; size?: number}) {
    return (
        <svg
            className={className}
            width={size}
            height={size}
            viewBox='0 0 24 24'
            aria-hidden='true'
            focusable='false'
        >
            <path
                fill='currentColor'
                d='M5 2h14a3 3 0 0 1 3 3v10a3 3 0 0 1-3 3h-7.5l-5 3.8a.6.6 0 0 1-1-.5V18H5a3 3 0 0 1-3-3V5a3 3 0 0 1 3-3zm7 2.8a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zM10.7 9.5v6a1.3 1.3 0 0 0 2.6 0v-6a1.3 1.3 0 0 0-2.6 0z'
            />
        </svg>
    );
}

export function PaperclipIcon() {
    return (
        <svg
            width={16}
            height={16}
            viewBox='0 0 24 24'
            aria-hidden='true'
            focusable='false'
        >
            <path
                fill='none'
                stroke='currentColor'
                strokeWidth='2'
                strokeLinecap='round'
                d='M20 11.5 12.2 19.3a5 5 0 0 1-7.1-7.1l8.1-8.1a3.3 3.3 0 0 1 4.7 4.7l-8 8a1.7 1.7 0 0 1-2.4-2.4l7.4-7.4'
            />
        </svg>
    );
}
