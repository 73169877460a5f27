import {fireEvent, screen} from '@testing-library/react';
import React from 'react';

import {renderWithStore} from '../../testing/render';
import {makeStore} from '../../testing/store';

import LoadError from './load_error';

test('says what failed and retries on request', () => {
    const onRetry = jest.fn();
    renderWithStore(
        <LoadError
            error='Mattermost answered 503'
            onRetry={onRetry}
        />,
        makeStore(),
    );
    expect(screen.getByRole('alert')).toHaveTextContent('Mattermost answered 503');
    fireEvent.click(screen.getByRole('button'));
    expect(onRetry).toHaveBeenCalledTimes(1);
});
