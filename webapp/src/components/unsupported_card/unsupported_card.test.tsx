import {render, screen} from '@testing-library/react';
import React from 'react';

import UnsupportedCard from './unsupported_card';

test('shows the title, the post\'s fallback text and why the card cannot show more', () => {
    render(
        <UnsupportedCard
            className='irsv-card'
            title='i-Reserve'
            message='Web chat with Anna'
            notice='This conversation was made by a newer bridge.'
        />,
    );
    expect(screen.getByRole('region', {name: 'i-Reserve'})).toBeInTheDocument();
    expect(screen.getByText('Web chat with Anna')).toBeInTheDocument();
    expect(screen.getByText('This conversation was made by a newer bridge.')).toBeInTheDocument();
});

test('no empty paragraph when the post has no fallback text', () => {
    const {container} = render(
        <UnsupportedCard
            className='irsv-card'
            title='Notification'
            message=''
            notice='Unknown notification format.'
        />,
    );
    expect(container.querySelectorAll('p')).toHaveLength(1);
});
