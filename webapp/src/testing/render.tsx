import {render} from '@testing-library/react';
import React from 'react';
import {Provider} from 'react-redux';
import type {Store} from 'redux';

import {ServicesProvider} from '../components/services';

import {FakeClient} from './fake_client';

/** Renders inside the host's Redux Provider and with an injected Mattermost client; rerender keeps both. */
export function renderWithStore(ui: React.ReactElement, store: Store, client: FakeClient = new FakeClient(), container?: HTMLElement) {
    const wrapper = ({children}: {children: React.ReactNode}) => (
        <Provider store={store}>
            <ServicesProvider services={{client}}>{children}</ServicesProvider>
        </Provider>
    );
    return {...render(ui, container ? {wrapper, container} : {wrapper}), client, store};
}
