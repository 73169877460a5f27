// The integration's erasures (DESIGN §12): conversations erased at i-Reserve's request or after the
// retention period, newest first, with their state and what Mattermost would not let the bot
// delete (and why). Loaded when shown; Refresh reads them again.
import React, {useCallback, useEffect, useState} from 'react';
import type {ErasureStatus, ErasureView} from '@ireserve/contract';

import type {BridgeAdminClient} from '../../client/bridge_client';
import {format, useStrings, type Strings} from '../../i18n';
import RelativeTime from '../relative_time/relative_time';

import {errorMessage} from './messages';

type State = {state: 'loading'} | {state: 'error'; message: string} | {state: 'ready'; erasures: ErasureView[]};

type Props = {
    idPrefix: string;
    client: BridgeAdminClient;
};

function statusLabel(strings: Strings, status: ErasureStatus): string {
    switch (status) {
    case 'in_progress':
        return strings.adminErasureInProgress;
    case 'partial':
        return strings.adminErasurePartial;
    default:
        return strings.adminErasureDone;
    }
}

export default function ErasuresSection({idPrefix, client}: Props) {
    const {strings} = useStrings();
    const [state, setState] = useState<State>({state: 'loading'});
    const load = useCallback(async () => {
        try {
            setState({state: 'ready', erasures: await client.listErasures()});
        } catch (error) {
            setState({state: 'error', message: errorMessage(strings, error, client.baseUrl)});
        }
    }, [client, strings]);
    useEffect(() => {
        void load();
    }, [load]);
    const headingId = `${idPrefix}-erasures-heading`;
    return (
        <section
            className='irsv-admin__section'
            aria-labelledby={headingId}
        >
            <h3 id={headingId}>{strings.adminErasuresHeading}</h3>
            <p className='irsv-admin__help'>{strings.adminErasuresHelp}</p>
            {state.state === 'loading' ? <p className='irsv-admin__state' role='status'>{strings.loading}</p> : null}
            {state.state === 'error' ? <p className='irsv-error' role='alert'>{format(strings.adminErasuresLoadFailed, {message: state.message})}</p> : null}
            {state.state === 'ready' && state.erasures.length === 0 ? <p className='irsv-admin__state'>{strings.adminNoErasures}</p> : null}
            {state.state === 'ready' && state.erasures.length > 0 ? (
                <div className='irsv-admin__table-wrap'>
                <table className='irsv-admin__table'>
                    <thead>
                        <tr>
                            <th scope='col'>{strings.adminErasureRequested}</th>
                            <th scope='col'>{strings.adminConversation}</th>
                            <th scope='col'>{strings.adminErasureStatus}</th>
                            <th scope='col'>{strings.adminErasureKept}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {state.erasures.map((erasure) => (
                            <tr
                                key={erasure.conversation_id}
                                data-testid='erasure'
                            >
                                <td><RelativeTime at={Date.parse(erasure.requested_at)}/></td>
                                <td>
                                    <code>{erasure.conversation_id}</code>
                                    {' '}
                                    <span className='irsv-admin__help'>{erasure.source === 'retention' ? strings.adminErasureByRetention : strings.adminErasureByEvent}</span>
                                </td>
                                <td>{statusLabel(strings, erasure.status)}</td>
                                <td>
                                    {erasure.kept.length === 0 ? strings.adminNone : (
                                        <ul>
                                            {erasure.kept.map((item) => (
                                                <li key={`${item.what}:${item.id}`}>
                                                    <code>{item.id}</code>{': '}{item.reason}
                                                </li>
                                            ))}
                                        </ul>
                                    )}
                                </td>
                            </tr>
                        ))}
                    </tbody>
                </table>
                </div>
            ) : null}
            <button
                type='button'
                className='btn btn-tertiary'
                onClick={() => void load()}
            >
                {strings.adminRefresh}
            </button>
        </section>
    );
}
