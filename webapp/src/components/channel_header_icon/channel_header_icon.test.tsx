import {render} from '@testing-library/react';
import React from 'react';

import ChannelHeaderIcon from './channel_header_icon';

test('a decorative icon: the host labels the button', () => {
    const {container} = render(<ChannelHeaderIcon/>);
    expect(container.querySelector('svg')).toHaveAttribute('aria-hidden', 'true');
});
