import {render} from '@testing-library/react';
import React from 'react';
import {Provider} from 'react-redux';
import type {Store} from 'redux';

import {ServicesProvider} from '../components/services';

import {FakeClient} from './fake_client';

export function renderWithStore(ui: React.ReactElement, store: Store, client: FakeClient = new FakeClient()) {
    const result = render(
        <Provider store={store}>
            <ServicesProvider services={{client}}>{ui}</ServicesProvider>
        </Provider>,
    );
    return {...result, client, store};
}
