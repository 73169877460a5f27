// The integration's health as the bridge reports it (ok/error, last error, last delivery, queue
// depth, failed count, guests waiting now and the longest wait) and the failed deliveries, each
// replayable once the admin fixed the cause.
import React, {useState} from 'react';
import type {ChannelView, DeliveryView, IntegrationStatusView} from '@ireserve/contract';

import type {BridgeAdminClient} from '../../client/bridge_client';
import {format, notificationTypeLabel, useStrings, type Strings} from '../../i18n';
import RelativeTime from '../relative_time/relative_time';
import {formatWaitingDuration} from '../waiting_time/waiting_time';

import {errorMessage} from './messages';

export type DeliveriesState =
    | {state: 'loading'}
    | {state: 'error'; message: string}
    | {state: 'ready'; deliveries: DeliveryView[]};

type Props = {
    idPrefix: string;
    client: BridgeAdminClient;
    status: IntegrationStatusView | null;
    deliveries: DeliveriesState;
    refreshing: boolean;
    disabled: boolean;
    onRefresh: () => Promise<void>;

    /** The bot's channels (names for the channel ids of failed deliveries). */
    channels?: ChannelView[];
};

/** Epoch milliseconds from the bridge's ISO 8601 text; null when absent or unreadable. */
function toMillis(value: string | null | undefined): number | null {
    if (value === null || value === undefined || value === '') {
        return null;
    }
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? null : parsed;
}

function channelLabel(strings: Strings, channels: ChannelView[], id: string): string {
    if (/^https?:\/\//i.test(id)) {
        return strings.adminIncomingWebhook;
    }
    const channel = channels.find((c) => c.id === id);
    const name = channel?.display_name || channel?.name || '';
    if (!name) {
        return id;
    }
    return channel?.team_name ? `${channel.team_name} / ${name}` : name;
}

/** Where a failed delivery was going: a notification's type and channel, or the conversation (and its channel). */
function DeliveryWhere({delivery, channels}: {delivery: DeliveryView; channels: ChannelView[]}) {
    const {strings} = useStrings();
    if (delivery.notification_type) {
        const type = notificationTypeLabel(strings, delivery.notification_type);
        return (
            <span data-testid='delivery-where'>
                {delivery.channel_id ? format(strings.adminNotificationTo, {type, channel: channelLabel(strings, channels, delivery.channel_id)}) : format(strings.adminNotificationUnmapped, {type})}
            </span>
        );
    }
    return (
        <span data-testid='delivery-where'>
            <code>{delivery.conversation_id || '—'}</code>
            {delivery.channel_id ? <span className='irsv-admin__kind'>{format(strings.adminInChannel, {channel: channelLabel(strings, channels, delivery.channel_id)})}</span> : null}
        </span>
    );
}

export default function StatusSection({idPrefix, client, status, deliveries, refreshing, disabled, onRefresh, channels = []}: Props) {
    const {strings, locale} = useStrings();
    // What is being retried: one delivery's id, 'all', or nothing.
    const [retrying, setRetrying] = useState<string | null>(null);
    const [notice, setNotice] = useState<{ok: boolean; text: string} | null>(null);

    const retry = async (target: string, work: () => Promise<unknown>) => {
        setRetrying(target);
        setNotice(null);
        try {
            await work();
            setNotice({ok: true, text: strings.adminRetried});
        } catch (err) {
            setNotice({ok: false, text: format(strings.adminRetryFailed, {message: errorMessage(strings, err, client.baseUrl)})});
        }
        await onRefresh();
        setRetrying(null);
    };

    const lastDelivery = toMillis(status?.last_delivery_at);
    const list = deliveries.state === 'ready' ? deliveries.deliveries : [];
    const busy = retrying !== null;
    const lastErrorAt = toMillis(status?.last_error_at);
    return (
        <section
            className='irsv-admin__section'
            aria-labelledby={`${idPrefix}-status-heading`}
        >
            <div className='irsv-admin__status-head'>
                <h3 id={`${idPrefix}-status-heading`}>{strings.adminStatusHeading}</h3>
                {status ? (
                    <span
                        className={status.state === 'ok' ? 'irsv-pill irsv-admin__pill--ok' : 'irsv-pill irsv-admin__pill--error'}
                        data-testid='status-state'
                    >
                        {status.state === 'ok' ? strings.adminStatusOk : strings.adminStatusError}
                    </span>
                ) : null}
                <button
                    type='button'
                    className='irsv-btn'
                    disabled={refreshing}
                    onClick={() => onRefresh()}
                >
                    {refreshing ? strings.adminRefreshing : strings.adminRefresh}
                </button>
            </div>
            {status ? (
                <dl className='irsv-admin__facts'>
                    <dt>{strings.adminLastError}</dt>
                    <dd data-testid='status-last-error'>
                        {status.last_error || strings.adminNone}
                        {status.last_error && lastErrorAt ? (
                            <span className='irsv-admin__state'>
                                {' ('}
                                <RelativeTime at={lastErrorAt}/>
                                {')'}
                            </span>
                        ) : null}
                    </dd>
                    <dt>{strings.adminLastDelivery}</dt>
                    <dd>{lastDelivery ? <RelativeTime at={lastDelivery}/> : strings.adminNever}</dd>
                    <dt>{strings.adminQueueDepth}</dt>
                    <dd data-testid='status-queue'>{status.queue_depth ?? 0}</dd>
                    <dt>{strings.adminFailedCount}</dt>
                    <dd data-testid='status-failed'>{status.failed ?? 0}</dd>
                    {status.waiting ? (
                        <>
                            <dt>{strings.adminWaitingNow}</dt>
                            <dd data-testid='status-waiting'>{status.waiting.count}</dd>
                            <dt>{strings.adminLongestWait}</dt>
                            <dd data-testid='status-longest-wait'>
                                {status.waiting.count > 0 ? formatWaitingDuration(status.waiting.longest_seconds, locale, strings) : strings.adminNone}
                            </dd>
                        </>
                    ) : null}
                </dl>
            ) : null}

            <h4 className='irsv-admin__subheading'>{strings.adminFailedHeading}</h4>
            <p className='irsv-admin__help'>{strings.adminFailedHelp}</p>
            {deliveries.state === 'loading' ? <p className='irsv-admin__state' role='status'>{strings.loading}</p> : null}
            {deliveries.state === 'error' ? <p className='irsv-error' role='alert'>{format(strings.adminFailedLoadFailed, {message: deliveries.message})}</p> : null}
            {deliveries.state === 'ready' && list.length === 0 ? <p className='irsv-admin__state'>{strings.adminNoFailed}</p> : null}
            {list.length > 0 ? (
                <>
                    <div className='irsv-admin__table-wrap'>
                        <table className='irsv-admin__table'>
                            <thead>
                                <tr>
                                    <th scope='col'>{strings.adminDirection}</th>
                                    <th scope='col'>{strings.adminConversation}</th>
                                    <th scope='col'>{strings.adminAttempts}</th>
                                    <th scope='col'>{strings.adminReason}</th>
                                    <th scope='col'><span className='irsv-sr-only'>{strings.adminRetry}</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {list.map((delivery) => (
                                    <tr
                                        key={String(delivery.id)}
                                        data-testid='failed-delivery'
                                    >
                                        <td>
                                            {delivery.direction === 'inbound' ? strings.adminDirectionInbound : strings.adminDirectionOutbound}
                                            <span className='irsv-admin__kind'>{delivery.kind}</span>
                                        </td>
                                        <td>
                                            <DeliveryWhere
                                                delivery={delivery}
                                                channels={channels}
                                            />
                                        </td>
                                        <td>{delivery.attempts}</td>
                                        <td className='irsv-admin__reason'>{delivery.last_error || '—'}</td>
                                        <td>
                                            <button
                                                type='button'
                                                className='irsv-btn'
                                                aria-label={format(strings.adminRetryLabel, {id: delivery.id})}
                                                disabled={disabled || busy}
                                                onClick={() => retry(String(delivery.id), () => client.retryDelivery(delivery.id))}
                                            >
                                                {retrying === String(delivery.id) ? strings.adminRetrying : strings.adminRetry}
                                            </button>
                                        </td>
                                    </tr>
                                ))}
                            </tbody>
                        </table>
                    </div>
                    <div className='irsv-admin__actions'>
                        <button
                            type='button'
                            className='irsv-btn'
                            disabled={disabled || busy}
                            onClick={() => retry('all', () => client.retryAllFailed())}
                        >
                            {retrying === 'all' ? strings.adminRetrying : strings.adminRetryAll}
                        </button>
                    </div>
                </>
            ) : null}
            <p
                className={notice && !notice.ok ? 'irsv-admin__field-error' : 'irsv-admin__state'}
                role='status'
            >
                {notice?.text}
            </p>
        </section>
    );
}
