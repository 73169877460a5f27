// The System Console custom setting (IntegrationSetup) rendered as the host renders it, for the admin
// console tests: inside the host's Redux store, with the bridge client over an in-memory bridge
// (fake_bridge.ts), on a stand-in settings page with its own Save (system_console_page.tsx).
import {render} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';
import {Provider} from 'react-redux';

import {BridgeClientProvider} from '../components/admin_console/bridge_context';
import IntegrationSetup, {type CustomSettingProps} from '../components/admin_console/integration_setup';
import manifest from '../manifest';

import {ADMIN_KEY, BRIDGE_URL, LICENCE, type FakeBridge} from './fake_bridge';
import {makeEntities, makeStore} from './store';
import {makePageProbe, SystemConsolePage} from './system_console_page';

/** The id System Console gives the custom setting (schema_admin_settings: the setting's key with `.` → `+`). */
export const SETUP_SETTING_ID = `PluginSettings.Plugins.${manifest.id.replace(/\./g, '+')}.integrationsetup`;

/** The admin config the setting reads: the site URL and this plugin's settings (bridge URL, licence, admin key by default). */
export function setupConfig(settings: Record<string, string> = {bridgeurl: BRIDGE_URL, licence: LICENCE, adminkey: ADMIN_KEY}) {
    return {
        ServiceSettings: {SiteURL: 'https://chat.example.com'},
        PluginSettings: {Plugins: {[manifest.id]: settings}},
    };
}

export type RenderSetupOptions = {
    /** The admin's locale (default English). */
    locale?: string;
    /** Props over the page's ones, e.g. another `config` or `disabled`. */
    props?: Partial<CustomSettingProps>;
};

/** Renders the set-up on a settings page; answers the user-event session and the page's probe (Save, navigation block). */
export function renderIntegrationSetup(bridge: FakeBridge, {locale, props = {}}: RenderSetupOptions = {}) {
    const store = makeStore(makeEntities([], [], locale === undefined ? {} : {locale}));
    const user = userEvent.setup();
    const probe = makePageProbe();
    const result = render(
        <Provider store={store}>
            <BridgeClientProvider factory={bridge.factory}>
                <SystemConsolePage probe={probe}>
                    {(page) => (
                        <IntegrationSetup
                            id={SETUP_SETTING_ID}
                            config={setupConfig()}
                            {...page}
                            {...props}
                        />
                    )}
                </SystemConsolePage>
            </BridgeClientProvider>
        </Provider>,
    );
    return {...result, user, probe};
}
