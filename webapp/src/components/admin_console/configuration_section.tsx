// Screen 2 of the set-up: the conversations channel (from the channels the bot is a member of; the
// saved channel stays listed and is flagged when the bot has left it), where each notification
// type goes, which replies reach the visitor, how replies reach the bridge, and the active switch.
import React from 'react';
import {NOTIFICATION_TYPES, type ChannelView, type NotificationType} from '@ireserve/contract';

import {format, notificationTypeLabel, useStrings, type Strings} from '../../i18n';

import {Choices, Field, Switch, describedBy} from './fields';
import type {FormSectionProps} from './integration_form';

export type ChannelsState =
    | {state: 'loading'; channels?: ChannelView[]}
    | {state: 'error'; message: string}
    | {state: 'ready'; channels: ChannelView[]};

const WEBHOOK = '__webhook__';

type Props = FormSectionProps & {
    channels: ChannelsState;
    onReloadChannels: () => void;
};

function channelLabel(strings: Strings, channel: ChannelView): string {
    const name = channel.display_name || channel.name || format(strings.adminSavedChannel, {id: channel.id});
    const withType = channel.type === 'P' ? format(strings.adminPrivateChannel, {name}) : name;
    return channel.member === false ? format(strings.adminChannelLeft, {name: withType}) : withType;
}

/** Channel options grouped by team; a selected id the list lacks is kept as its own option. */
export function ChannelOptions({channels, selected}: {channels: ChannelView[]; selected: string}) {
    const {strings} = useStrings();
    const teams = new Map<string, ChannelView[]>();
    for (const channel of channels) {
        const team = channel.team_name || channel.team_id || '';
        teams.set(team, [...(teams.get(team) ?? []), channel]);
    }
    const known = channels.some((channel) => channel.id === selected);
    return (
        <>
            {selected && !known ? <option value={selected}>{format(strings.adminSavedChannel, {id: selected})}</option> : null}
            {[...teams.entries()].map(([team, list]) => (team === '' ? list.map((channel) => (
                <option
                    key={channel.id}
                    value={channel.id}
                >
                    {channelLabel(strings, channel)}
                </option>
            )) : (
                <optgroup
                    key={team}
                    label={team}
                >
                    {list.map((channel) => (
                        <option
                            key={channel.id}
                            value={channel.id}
                        >
                            {channelLabel(strings, channel)}
                        </option>
                    ))}
                </optgroup>
            )))}
        </>
    );
}

/** The channels to offer: the latest list, also while it is being loaded again. */
export function channelList(channels: ChannelsState): ChannelView[] {
    return channels.state === 'error' ? [] : channels.channels ?? [];
}

function departed(channels: ChannelsState, id: string): boolean {
    return channelList(channels).some((channel) => channel.id === id && channel.member === false);
}

export default function ConfigurationSection({idPrefix, form, channels, errors, disabled, onChange, onReloadChannels}: Props) {
    const {strings} = useStrings();
    const id = (name: string) => `${idPrefix}-${name}`;
    const list = channelList(channels);
    const channelError = errors.channelId;
    const channelLeft = departed(channels, form.channelId);

    let channelsNote: React.ReactNode = null;
    if (channels.state === 'loading' && !channels.channels) {
        channelsNote = <p className='irsv-admin__state' role='status'>{strings.adminChannelsLoading}</p>;
    } else if (channels.state === 'error' || (channels.state === 'ready' && list.length === 0)) {
        channelsNote = (
            <div className='irsv-admin__warning' role='alert'>
                {channels.state === 'error' ? format(strings.adminChannelsFailed, {message: channels.message}) : strings.adminNoChannels}
                {' '}
                <button
                    type='button'
                    className='irsv-btn irsv-btn--link'
                    onClick={onReloadChannels}
                >
                    {strings.adminReload}
                </button>
            </div>
        );
    }

    const setNotification = (type: NotificationType, choice: string) => {
        const webhookTypes = form.webhookTypes.filter((t) => t !== type);
        if (choice === WEBHOOK) {
            onChange({webhookTypes: [...webhookTypes, type], notifications: {...form.notifications, [type]: ''}});
        } else {
            onChange({webhookTypes, notifications: {...form.notifications, [type]: choice}});
        }
    };

    return (
        <section
            className='irsv-admin__section'
            aria-labelledby={id('config-heading')}
        >
            <h3 id={id('config-heading')}>{strings.adminConfigHeading}</h3>
            <Field
                id={id('channelId')}
                label={strings.adminChannel}
                help={strings.adminChannelHelp}
                error={channelError}
                after={(
                    <>
                        {channelLeft ? <p className='irsv-admin__warning' id={id('channelId-left')}>{strings.adminChannelLeftWarning}</p> : null}
                        {!form.channelId && channels.state === 'ready' && list.length > 0 ? <p className='irsv-admin__warning'>{strings.adminChannelRequired}</p> : null}
                        {channelsNote}
                    </>
                )}
            >
                <select
                    id={id('channelId')}
                    className='irsv-admin__input'
                    value={form.channelId}
                    disabled={disabled}
                    aria-invalid={channelError || channelLeft ? true : undefined}
                    aria-describedby={[describedBy(id('channelId'), strings.adminChannelHelp, channelError), channelLeft ? id('channelId-left') : ''].filter(Boolean).join(' ')}
                    onChange={(e) => onChange({channelId: e.target.value})}
                >
                    <option value=''>{strings.adminChooseChannel}</option>
                    <ChannelOptions
                        channels={list}
                        selected={form.channelId}
                    />
                </select>
            </Field>

            <fieldset className='irsv-admin__field'>
                <legend className='irsv-admin__label'>{strings.adminNotifications}</legend>
                <p className='irsv-admin__help'>{strings.adminNotificationsHelp}</p>
                <div className='irsv-admin__grid'>
                    {NOTIFICATION_TYPES.map((type) => {
                        const fieldId = id(`notification-${type.replace('.', '-')}`);
                        const isWebhook = form.webhookTypes.includes(type);
                        const value = form.notifications[type];
                        const error = errors[`notification:${type}`];
                        const typeLabel = notificationTypeLabel(strings, type);
                        const left = !isWebhook && departed(channels, value);
                        return (
                            <React.Fragment key={type}>
                                <label htmlFor={fieldId}>{typeLabel}</label>
                                <div className='irsv-admin__stack'>
                                    <select
                                        id={fieldId}
                                        className='irsv-admin__input'
                                        value={isWebhook ? WEBHOOK : value}
                                        disabled={disabled}
                                        aria-invalid={(error && !isWebhook) || left ? true : undefined}
                                        aria-describedby={!isWebhook && error ? `${fieldId}-error` : undefined}
                                        onChange={(e) => setNotification(type, e.target.value)}
                                    >
                                        <option value=''>{strings.adminDoNotSend}</option>
                                        <ChannelOptions
                                            channels={list}
                                            selected={isWebhook ? '' : value}
                                        />
                                        <option value={WEBHOOK}>{strings.adminWebhookOption}</option>
                                    </select>
                                    {isWebhook ? (
                                        <input
                                            id={`${fieldId}-url`}
                                            className='irsv-admin__input irsv-admin__input--mono'
                                            type='url'
                                            inputMode='url'
                                            spellCheck={false}
                                            aria-label={format(strings.adminWebhookUrlLabel, {type: typeLabel})}
                                            placeholder={strings.adminWebhookUrlPlaceholder}
                                            value={value}
                                            disabled={disabled}
                                            aria-invalid={error ? true : undefined}
                                            aria-describedby={error ? `${fieldId}-error` : undefined}
                                            onChange={(e) => onChange({notifications: {...form.notifications, [type]: e.target.value}})}
                                        />
                                    ) : null}
                                    {left ? <p className='irsv-admin__warning'>{strings.adminChannelLeftWarning}</p> : null}
                                    {error ? <p id={`${fieldId}-error`} className='irsv-admin__field-error'>{error}</p> : null}
                                </div>
                            </React.Fragment>
                        );
                    })}
                </div>
            </fieldset>

            <Choices
                name={id('relayMode')}
                legend={strings.adminRelayMode}
                value={form.relayMode}
                disabled={disabled}
                error={errors.relayMode}
                choices={[
                    {value: 'all_replies', title: strings.adminRelayAll, help: strings.adminRelayAllHelp},
                    {value: 'composer_only', title: strings.adminRelayComposer, help: strings.adminRelayComposerHelp},
                ]}
                onChange={(relayMode) => onChange({relayMode})}
            />
            <Choices
                name={id('inboundMode')}
                legend={strings.adminInboundMode}
                value={form.inboundMode}
                disabled={disabled}
                error={errors.inboundMode}
                choices={[
                    {value: 'outgoing_webhook', title: strings.adminInboundWebhook, help: strings.adminInboundWebhookHelp},
                    {value: 'websocket', title: strings.adminInboundSocket, help: strings.adminInboundSocketHelp},
                ]}
                onChange={(inboundMode) => onChange({inboundMode})}
            />
            {form.inboundMode === 'outgoing_webhook' ? (
                <p
                    className='irsv-admin__help'
                    id={id('inboundMode-edits')}
                    role='note'
                >{strings.adminInboundWebhookEdits}</p>
            ) : null}
            <Switch
                id={id('active')}
                label={strings.adminActive}
                help={strings.adminActiveHelp}
                checked={form.active}
                disabled={disabled}
                onChange={(active) => onChange({active})}
            />
            {errors.active ? <p className='irsv-admin__field-error'>{errors.active}</p> : null}

            <Field
                id={id('retentionDays')}
                label={strings.adminRetention}
                help={strings.adminRetentionHelp}
                error={errors.retentionDays}
            >
                <input
                    id={id('retentionDays')}
                    className='irsv-admin__input'
                    type='text'
                    inputMode='numeric'
                    value={form.retentionDays}
                    disabled={disabled}
                    aria-invalid={errors.retentionDays ? true : undefined}
                    aria-describedby={describedBy(id('retentionDays'), strings.adminRetentionHelp, errors.retentionDays)}
                    onChange={(e) => onChange({retentionDays: e.target.value})}
                />
            </Field>

            <fieldset
                className='irsv-admin__field'
                aria-describedby={id('dm-help')}
            >
                <legend className='irsv-admin__label'>{strings.adminDmHeading}</legend>
                <p
                    id={id('dm-help')}
                    className='irsv-admin__help'
                >
                    {strings.adminDmHelp}
                </p>
                <Switch
                    id={id('dmOnAssignment')}
                    label={strings.adminDmOnAssignment}
                    help={strings.adminDmOnAssignmentHelp}
                    checked={form.dmOnAssignment}
                    disabled={disabled}
                    onChange={(dmOnAssignment) => onChange({dmOnAssignment})}
                />
                <Switch
                    id={id('dmOnGuestMessage')}
                    label={strings.adminDmOnGuestMessage}
                    help={strings.adminDmOnGuestMessageHelp}
                    checked={form.dmOnGuestMessage}
                    disabled={disabled}
                    onChange={(dmOnGuestMessage) => onChange({dmOnGuestMessage})}
                />
                <p className='irsv-admin__label'>{strings.adminDmSubscriptions}</p>
                <p className='irsv-admin__help'>{strings.adminDmSubscriptionsHelp}</p>
                <div className='irsv-admin__grid'>
                    {NOTIFICATION_TYPES.map((type) => {
                        const fieldId = id(`dm-${type.replace('.', '-')}`);
                        const typeLabel = notificationTypeLabel(strings, type);
                        const error = errors[`dm:${type}`];
                        return (
                            <React.Fragment key={type}>
                                {/* Named by aria-label ("Subscribers for …"): the channel selects above own the bare type names. */}
                                <span aria-hidden='true'>{typeLabel}</span>
                                <div className='irsv-admin__stack'>
                                    <input
                                        id={fieldId}
                                        className='irsv-admin__input'
                                        type='text'
                                        inputMode='email'
                                        spellCheck={false}
                                        aria-label={format(strings.adminDmSubscribersLabel, {type: typeLabel})}
                                        placeholder='anna@example.com, ben@example.com'
                                        value={form.dmSubscriptions[type]}
                                        disabled={disabled}
                                        aria-invalid={error ? true : undefined}
                                        aria-describedby={error ? `${fieldId}-error` : undefined}
                                        onChange={(e) => onChange({dmSubscriptions: {...form.dmSubscriptions, [type]: e.target.value}})}
                                    />
                                    {error ? <p id={`${fieldId}-error`} className='irsv-admin__field-error'>{error}</p> : null}
                                </div>
                            </React.Fragment>
                        );
                    })}
                </div>
            </fieldset>
        </section>
    );
}
