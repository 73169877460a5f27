import {render} from '@testing-library/react';
import React from 'react';

import {IreserveIcon, PaperclipIcon} from './icons';

test('icons are decorative and sized', () => {
    const {container} = render(<><IreserveIcon size={20}/><PaperclipIcon/></>);
    const svgs = container.querySelectorAll('svg');
    expect(svgs).toHaveLength(2);
    expect(svgs[0]).toHaveAttribute('width', '20');
    svgs.forEach((svg) => expect(svg).toHaveAttribute('aria-hidden', 'true'));
});
