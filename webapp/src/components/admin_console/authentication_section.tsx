// Screen 1 of the set-up: how the bridge signs in to Mattermost (server URL; a bot access token, or
// an account's e-mail and password; outgoing webhook token) and the read-only address Mattermost's outgoing webhook must call.
// Then (DESIGN §10) the actions URL Mattermost calls for card buttons, and the /ireserve slash
// command: how to create it, its request URL and its token (write-only).
import React from 'react';
import type {IntegrationView} from '@ireserve/contract';

import {format, useStrings} from '../../i18n';

import {Choices, CopyField, Field, SecretField, describedBy} from './fields';
import type {FormSectionProps} from './integration_form';

/** The autocomplete hint the admin gives the /ireserve command (its sub-commands). */
export const SLASH_COMMAND_HINT = 'claim | assign @user | unassign | close | reopen | open | notify | help';

type Props = FormSectionProps & {
    view: IntegrationView;
};

export default function AuthenticationSection({idPrefix, form, view, errors, disabled, onChange}: Props) {
    const {strings} = useStrings();
    const id = (name: string) => `${idPrefix}-${name}`;
    return (
        <section
            className='irsv-admin__section'
            aria-labelledby={id('auth-heading')}
        >
            <h3 id={id('auth-heading')}>{strings.adminAuthHeading}</h3>
            <p className='irsv-admin__intro'>{strings.adminAuthIntro}</p>
            <Field
                id={id('serverUrl')}
                label={strings.adminServerUrl}
                help={strings.adminServerUrlHelp}
                error={errors.serverUrl}
            >
                <input
                    id={id('serverUrl')}
                    className='irsv-admin__input'
                    type='url'
                    inputMode='url'
                    autoComplete='url'
                    spellCheck={false}
                    value={form.serverUrl}
                    placeholder='https://mattermost.example.com'
                    disabled={disabled}
                    aria-invalid={errors.serverUrl ? true : undefined}
                    aria-describedby={describedBy(id('serverUrl'), strings.adminServerUrlHelp, errors.serverUrl)}
                    onChange={(e) => onChange({serverUrl: e.target.value})}
                />
            </Field>
            <Choices
                name={id('authMode')}
                legend={strings.adminAuthMode}
                value={form.authMode}
                disabled={disabled}
                error={errors.authMode}
                choices={[
                    {value: 'token', title: strings.adminAuthToken, help: strings.adminAuthTokenHelp},
                    {value: 'login', title: strings.adminAuthLogin, help: strings.adminAuthLoginHelp},
                ]}
                onChange={(authMode) => onChange({authMode})}
            />
            {form.authMode === 'token' ? (
                <SecretField
                    id={id('botToken')}
                    label={strings.adminBotToken}
                    help={strings.adminBotTokenHelp}
                    isSet={Boolean(view.mattermost?.bot_token_set)}
                    value={form.botToken}
                    error={errors.botToken}
                    disabled={disabled}
                    onChange={(botToken) => onChange({botToken})}
                />
            ) : (
                <>
                    <Field
                        id={id('loginId')}
                        label={strings.adminLoginId}
                        help={strings.adminLoginIdHelp}
                        error={errors.loginId}
                    >
                        <input
                            id={id('loginId')}
                            className='irsv-admin__input'
                            type='text'
                            autoComplete='username'
                            spellCheck={false}
                            value={form.loginId}
                            placeholder='bridge@example.com'
                            disabled={disabled}
                            aria-invalid={errors.loginId ? true : undefined}
                            aria-describedby={describedBy(id('loginId'), strings.adminLoginIdHelp, errors.loginId)}
                            onChange={(e) => onChange({loginId: e.target.value})}
                        />
                    </Field>
                    <SecretField
                        id={id('password')}
                        label={strings.adminPassword}
                        help={strings.adminPasswordHelp}
                        isSet={view.mattermost?.auth === 'login' && Boolean(view.mattermost?.password_set)}
                        value={form.password}
                        error={errors.password}
                        disabled={disabled}
                        onChange={(password) => onChange({password})}
                    />
                </>
            )}
            <SecretField
                id={id('outgoingWebhookToken')}
                label={strings.adminOutgoingToken}
                help={strings.adminOutgoingTokenHelp}
                isSet={Boolean(view.mattermost?.outgoing_webhook_token_set)}
                value={form.outgoingWebhookToken}
                error={errors.outgoingWebhookToken}
                disabled={disabled}
                onChange={(outgoingWebhookToken) => onChange({outgoingWebhookToken})}
            />
            <CopyField
                id={id('inboundUrl')}
                label={strings.adminInboundUrl}
                help={strings.adminInboundUrlHelp}
                value={view.inbound_webhook_url ?? ''}
            />
            {(view.actions_url || view.slash_command_url) && (
                <>
                    <h4 className='irsv-admin__subheading'>{strings.adminActionsHeading}</h4>
                    {view.actions_url && (
                        <CopyField
                            id={id('actionsUrl')}
                            label={strings.adminActionsUrl}
                            help={strings.adminActionsUrlHelp}
                            value={view.actions_url}
                        />
                    )}
                    {view.slash_command_url && (
                        <>
                            <ol
                                className='irsv-admin__steps'
                                aria-label={strings.adminSlashStepsLabel}
                            >
                                <li>{strings.adminSlashStep1}</li>
                                <li>{strings.adminSlashStep2}</li>
                                <li>{format(strings.adminSlashStep3, {hint: SLASH_COMMAND_HINT})}</li>
                                <li>{strings.adminSlashStep4}</li>
                            </ol>
                            <CopyField
                                id={id('slashCommandUrl')}
                                label={strings.adminSlashUrl}
                                help={strings.adminSlashUrlHelp}
                                value={view.slash_command_url}
                            />
                            <SecretField
                                id={id('slashCommandToken')}
                                label={strings.adminSlashToken}
                                help={strings.adminSlashTokenHelp}
                                isSet={Boolean(view.mattermost?.slash_command_token_set)}
                                value={form.slashCommandToken}
                                error={errors.slashCommandToken}
                                disabled={disabled}
                                onChange={(slashCommandToken) => onChange({slashCommandToken})}
                            />
                        </>
                    )}
                </>
            )}
        </section>
    );
}
