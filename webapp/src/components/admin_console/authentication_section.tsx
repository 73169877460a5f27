// Screen 1 of the set-up: how the bridge signs in to Mattermost (server URL; a bot access token, or
// an account's e-mail and password; outgoing webhook token) and the read-only address Mattermost's outgoing webhook must call.
import React from 'react';

import type {IntegrationView} from '../../client/bridge_client';
import {useStrings} from '../../i18n';

import {Choices, CopyField, Field, SecretField, describedBy} from './fields';
import type {FieldErrors, FormState} from './integration_form';

type Props = {
    idPrefix: string;
    form: FormState;
    view: IntegrationView;
    errors: FieldErrors;
    disabled: boolean;
    onChange: (change: Partial<FormState>) => void;
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
        </section>
    );
}
