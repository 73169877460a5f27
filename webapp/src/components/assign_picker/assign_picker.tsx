import React, {useEffect, useMemo, useState} from 'react';
import {useSelector} from 'react-redux';

import type {UserProfile} from '@mattermost/types/users';

import {format, useStrings} from '../../i18n';
import {getCurrentUserId} from '../../store/selectors';
import {useServices} from '../services';

type Props = {
    channelId: string;
    currentAssigneeId: string | null;
    onPick: (userId: string) => void;
    onCancel: () => void;
};

type Load = {status: 'loading'} | {status: 'error'; message: string} | {status: 'loaded'; users: UserProfile[]};

function displayName(user: UserProfile): string {
    const full = [user.first_name, user.last_name].filter(Boolean).join(' ').trim();
    return full ? `${full} (@${user.username})` : `@${user.username}`;
}

/**
 * Picks a person to assign the conversation to, among the members of its channel (the bridge
 * refuses anyone else). Bots and deactivated accounts are left out. Escape or Cancel closes it.
 */
export default function AssignPicker({channelId, currentAssigneeId, onPick, onCancel}: Props) {
    const {strings} = useStrings();
    const {client} = useServices();
    const currentUserId = useSelector(getCurrentUserId);
    const [load, setLoad] = useState<Load>({status: 'loading'});
    const [query, setQuery] = useState('');

    useEffect(() => {
        let live = true;
        client.getChannelMembers(channelId).then(
            (users) => live && setLoad({status: 'loaded', users}),
            (err: unknown) => live && setLoad({status: 'error', message: err instanceof Error ? err.message : String(err)}),
        );
        return () => {
            live = false;
        };
    }, [client, channelId]);

    const matches = useMemo(() => {
        if (load.status !== 'loaded') {
            return [];
        }
        const q = query.trim().toLowerCase();
        return load.users.
            filter((user) => !user.is_bot && !user.delete_at).
            filter((user) => !q || displayName(user).toLowerCase().includes(q) || (user.email ?? '').toLowerCase().includes(q));
    }, [load, query]);

    return (
        <div
            className='irsv-picker'
            role='group'
            aria-label={strings.assignHeading}
            onKeyDown={(e) => {
                if (e.key === 'Escape') {
                    e.stopPropagation();
                    onCancel();
                }
            }}
        >
            <input
                className='irsv-input'
                type='search'
                aria-label={strings.assignSearch}
                placeholder={strings.assignSearch}
                value={query}
                autoFocus={true}
                onChange={(e) => setQuery(e.target.value)}
            />
            {load.status === 'loading' && <p className='irsv-status'>{strings.assignLoading}</p>}
            {load.status === 'error' && (
                <p
                    className='irsv-error'
                    role='alert'
                >
                    {format(strings.assignLoadFailed, {message: load.message})}
                </p>
            )}
            {load.status === 'loaded' && matches.length === 0 && <p className='irsv-status'>{strings.assignNoMatch}</p>}
            {matches.length > 0 && (
                <ul
                    className='irsv-picker__list'
                    aria-label={strings.assignHeading}
                >
                    {matches.map((user) => (
                        <li key={user.id}>
                            <button
                                type='button'
                                className='irsv-picker__item'
                                data-user-id={user.id}
                                onClick={() => onPick(user.id)}
                            >
                                {displayName(user)}
                                {user.id === currentUserId && <span className='irsv-muted'>{` ${strings.assignYou}`}</span>}
                                {user.id === currentAssigneeId && <span className='irsv-muted'>{` ${strings.assignCurrent}`}</span>}
                            </button>
                        </li>
                    ))}
                </ul>
            )}
            <div>
                <button
                    type='button'
                    className='irsv-btn irsv-btn--link'
                    onClick={onCancel}
                >
                    {strings.assignCancel}
                </button>
            </div>
        </div>
    );
}
