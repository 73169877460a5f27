import {act, render, screen} from '@testing-library/react';
import React from 'react';
import {Provider} from 'react-redux';

import {AGENT_ID} from '../../testing/fixtures';
import {hostUserUpdated, makeEntities, makeStore} from '../../testing/store';

import LocalizedText from './localized_text';

test('follows the user\'s language without being created again', () => {
    const store = makeStore(makeEntities());
    render(
        <Provider store={store}>
            <LocalizedText name='openInPanel'/>
        </Provider>,
    );
    expect(screen.getByText('Open in i-Reserve panel')).toBeInTheDocument();
    act(() => {
        store.dispatch(hostUserUpdated({id: AGENT_ID, locale: 'nl', username: 'sam'}));
    });
    expect(screen.queryByText('Open in i-Reserve panel')).not.toBeInTheDocument();
    expect(screen.getByText('Openen in i-Reserve-paneel')).toBeInTheDocument();
});
