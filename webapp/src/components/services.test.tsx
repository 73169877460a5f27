import {render, screen} from '@testing-library/react';
import React from 'react';

import {ServicesProvider, useServices} from './services';
import {FakeClient} from '../testing/fake_client';

function Probe({expected}: {expected?: unknown}) {
    const {client} = useServices();
    return <span>{expected === undefined ? typeof client.createPost : String(client === expected)}</span>;
}

test('injected client wins; the default one exists otherwise', () => {
    const client = new FakeClient();
    const {rerender} = render(<ServicesProvider services={{client}}><Probe expected={client}/></ServicesProvider>);
    expect(screen.getByText('true')).toBeInTheDocument();
    rerender(<Probe/>);
    expect(screen.getByText('function')).toBeInTheDocument();
});
