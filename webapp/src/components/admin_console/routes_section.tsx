// Routing in the set-up (DESIGN §13): an ordered list of routes, each sending the new
// conversations it matches — by inbox (the chat widget, park or department), locale or page URL
// prefix — to its own channel; the first route that matches wins, else the conversations channel
// above. Routes can be added, removed and moved up or down; in outgoing-webhook mode each route
// takes the token of the outgoing webhook on its channel (write-only). Edits go through the set-up's
// form like every other field (integration_form.ts, routes_form.ts).
import React from 'react';
import {INBOX_MAX_LENGTH, MAX_ROUTES} from '@ireserve/contract';

import {format, useStrings} from '../../i18n';

import {ChannelOptions, channelList, type ChannelsState} from './configuration_section';
import {SecretField, describedBy} from './fields';
import type {FormSectionProps} from './integration_form';
import {moveRoute, newRoute, type RouteForm} from './routes_form';

type Props = FormSectionProps & {
    channels: ChannelsState;
};

type TextField = 'inbox' | 'locale' | 'pageUrlPrefix';

export default function RoutesSection({idPrefix, form, channels, errors, disabled, onChange}: Props) {
    const {strings} = useStrings();
    const id = (name: string) => `${idPrefix}-${name}`;
    const routes = form.routes;
    const list = channelList(channels);
    const set = (next: RouteForm[]) => onChange({routes: next});
    const update = (index: number, delta: Partial<RouteForm>) => set(routes.map((route, i) => (i === index ? {...route, ...delta} : route)));
    const labels: Record<TextField, {label: string; placeholder: string}> = {
        inbox: {label: strings.adminRouteInbox, placeholder: strings.adminRouteInboxPlaceholder},
        locale: {label: strings.adminRouteLocale, placeholder: 'nl'},
        pageUrlPrefix: {label: strings.adminRoutePrefix, placeholder: 'https://www.example.com/nl/'},
    };

    return (
        <section
            className='irsv-admin__section'
            aria-labelledby={id('routes-heading')}
        >
            <h3 id={id('routes-heading')}>{strings.adminRoutesHeading}</h3>
            <p
                id={id('routes-help')}
                className='irsv-admin__help'
            >
                {format(strings.adminRoutesHelp, {max: MAX_ROUTES})}
            </p>
            {routes.length === 0 ? <p className='irsv-admin__state'>{strings.adminRoutesNone}</p> : null}
            <ol className='irsv-admin__routes'>
                {routes.map((route, index) => {
                    const number = index + 1;
                    const rowId = id(`route-${index}`);
                    const matchError = errors[`route:${index}:match`];
                    const channelError = errors[`route:${index}:channelId`];
                    const channelId = `${rowId}-channelId`;
                    return (
                        <li
                            key={route.key}
                            data-testid='route'
                        >
                            <fieldset
                                className='irsv-admin__field irsv-admin__route'
                                aria-describedby={matchError ? `${rowId}-match-error` : undefined}
                            >
                                <legend className='irsv-admin__label'>{format(strings.adminRouteLegend, {number})}</legend>
                                <div className='irsv-admin__row irsv-admin__row--top'>
                                    {(['inbox', 'locale', 'pageUrlPrefix'] as const).map((field) => {
                                        const inputId = `${rowId}-${field}`;
                                        const error = errors[`route:${index}:${field}`];
                                        return (
                                            <div
                                                key={field}
                                                className='irsv-admin__field'
                                            >
                                                <label
                                                    className='irsv-admin__label'
                                                    htmlFor={inputId}
                                                >
                                                    {labels[field].label}
                                                </label>
                                                <input
                                                    id={inputId}
                                                    className='irsv-admin__input'
                                                    type={field === 'pageUrlPrefix' ? 'url' : 'text'}
                                                    spellCheck={false}
                                                    autoComplete='off'
                                                    maxLength={field === 'inbox' ? INBOX_MAX_LENGTH : undefined}
                                                    placeholder={labels[field].placeholder}
                                                    value={route[field]}
                                                    disabled={disabled}
                                                    aria-invalid={error || matchError ? true : undefined}
                                                    aria-describedby={[error ? `${inputId}-error` : '', matchError ? `${rowId}-match-error` : ''].filter(Boolean).join(' ') || undefined}
                                                    onChange={(e) => update(index, {[field]: e.target.value})}
                                                />
                                                {error ? <p id={`${inputId}-error`} className='irsv-admin__field-error'>{error}</p> : null}
                                            </div>
                                        );
                                    })}
                                </div>
                                {matchError ? <p id={`${rowId}-match-error`} className='irsv-admin__field-error'>{matchError}</p> : null}
                                <div className='irsv-admin__field'>
                                    <label
                                        className='irsv-admin__label'
                                        htmlFor={channelId}
                                    >
                                        {strings.adminRouteChannel}
                                    </label>
                                    <select
                                        id={channelId}
                                        className='irsv-admin__input'
                                        value={route.channelId}
                                        disabled={disabled}
                                        aria-invalid={channelError ? true : undefined}
                                        aria-describedby={describedBy(channelId, undefined, channelError)}
                                        onChange={(e) => update(index, {channelId: e.target.value})}
                                    >
                                        <option value=''>{strings.adminChooseChannel}</option>
                                        <ChannelOptions
                                            channels={list}
                                            selected={route.channelId}
                                        />
                                    </select>
                                    {channelError ? <p id={`${channelId}-error`} className='irsv-admin__field-error'>{channelError}</p> : null}
                                </div>
                                {form.inboundMode === 'outgoing_webhook' ? (
                                    <SecretField
                                        id={`${rowId}-token`}
                                        label={strings.adminRouteToken}
                                        help={strings.adminRouteTokenHelp}
                                        isSet={route.tokenSet}
                                        value={route.token}
                                        error={errors[`route:${index}:token`]}
                                        disabled={disabled}
                                        onChange={(token) => update(index, {token})}
                                    />
                                ) : null}
                                <div className='irsv-admin__actions'>
                                    <button
                                        type='button'
                                        className='irsv-btn'
                                        disabled={disabled || index === 0}
                                        onClick={() => set(moveRoute(routes, index, index - 1))}
                                    >
                                        {format(strings.adminRouteUp, {number})}
                                    </button>
                                    <button
                                        type='button'
                                        className='irsv-btn'
                                        disabled={disabled || index === routes.length - 1}
                                        onClick={() => set(moveRoute(routes, index, index + 1))}
                                    >
                                        {format(strings.adminRouteDown, {number})}
                                    </button>
                                    <button
                                        type='button'
                                        className='irsv-btn'
                                        disabled={disabled}
                                        onClick={() => set(routes.filter((_, i) => i !== index))}
                                    >
                                        {format(strings.adminRouteRemove, {number})}
                                    </button>
                                </div>
                            </fieldset>
                        </li>
                    );
                })}
            </ol>
            {errors.routes ? <p id={id('routes-error')} className='irsv-admin__field-error'>{errors.routes}</p> : null}
            <div className='irsv-admin__actions'>
                <button
                    type='button'
                    className='irsv-btn'
                    disabled={disabled || routes.length >= MAX_ROUTES}
                    onClick={() => set([...routes, newRoute()])}
                >
                    {strings.adminRouteAdd}
                </button>
            </div>
        </section>
    );
}
