// The System Console setting as registered: its screens are downloaded on first render, with a
// loading line meanwhile and a LoadError with Retry when the download fails.
import {act, fireEvent, screen} from '@testing-library/react';
import React from 'react';

import {renderWithStore} from '../../testing/render';
import {makeEntities, makeStore} from '../../testing/store';
import type {CustomSettingProps} from '../admin_console/integration_setup';

import LazyIntegrationSetup, {lazySetting} from './admin_console_loader';

type SettingModule = {default: React.ComponentType<CustomSettingProps>};

function deferred() {
    let resolve!: (module: SettingModule) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<SettingModule>((res, rej) => {
        resolve = res;
        reject = rej;
    });
    return {promise, resolve, reject};
}

function FakeSetting({id}: CustomSettingProps) {
    return <div data-testid='fake-setting'>{`setting ${id}`}</div>;
}

test('says it is loading, then shows the downloaded setting with the props System Console gave', async () => {
    const download = deferred();
    const load = jest.fn(() => download.promise);
    const Setting = lazySetting(load);
    renderWithStore(<Setting id='IntegrationSetup'/>, makeStore());

    expect(screen.getByRole('status')).toHaveTextContent('Loading the integration set-up…');
    expect(load).toHaveBeenCalledTimes(1);

    await act(async () => download.resolve({default: FakeSetting}));
    expect(screen.getByTestId('fake-setting')).toHaveTextContent('setting IntegrationSetup');
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
});

test('a failed download says why with a Retry; Retry downloads again', async () => {
    const first = deferred();
    const second = deferred();
    const load = jest.fn().mockReturnValueOnce(first.promise).mockReturnValueOnce(second.promise);
    const Setting = lazySetting(load);
    renderWithStore(<Setting id='IntegrationSetup'/>, makeStore());

    await act(async () => first.reject(new Error('Loading chunk 858 failed.\n(error: https://chat.example.com/plugins/net.ireserve.mattermost/public/admin_console.0123abcd.js)')));
    expect(screen.getByRole('alert')).toHaveTextContent(
        'Could not load: the integration set-up did not download from this Mattermost server (Loading chunk 858 failed. (error: https://chat.example.com/plugins/net.ireserve.mattermost/public/admin_console.0123abcd.js)). Check the connection and try again',
    );
    expect(screen.queryByTestId('fake-setting')).not.toBeInTheDocument();
    expect(load).toHaveBeenCalledTimes(1);

    fireEvent.click(screen.getByRole('button', {name: 'Try again'}));
    expect(load).toHaveBeenCalledTimes(2);
    expect(screen.getByRole('status')).toHaveTextContent('Loading the integration set-up…');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();

    await act(async () => second.resolve({default: FakeSetting}));
    expect(screen.getByTestId('fake-setting')).toBeInTheDocument();
});

test('once downloaded, the setting shows at once when System Console renders it again', async () => {
    const load = jest.fn(() => Promise.resolve({default: FakeSetting}));
    const Setting = lazySetting(load);
    const first = renderWithStore(<Setting id='a'/>, makeStore());
    expect(await screen.findByTestId('fake-setting')).toHaveTextContent('setting a');
    first.unmount();

    renderWithStore(<Setting id='b'/>, makeStore());
    expect(screen.getByTestId('fake-setting')).toHaveTextContent('setting b');
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
    expect(load).toHaveBeenCalledTimes(1);
});

test('a Dutch admin reads the loading line in Dutch', () => {
    const Setting = lazySetting(() => new Promise<SettingModule>(() => undefined));
    renderWithStore(<Setting/>, makeStore(makeEntities([], [], {locale: 'nl'})));
    expect(screen.getByRole('status')).toHaveTextContent('De inrichting van de integratie wordt geladen…');
});

test('the registered setting loads the real System Console screens', async () => {
    renderWithStore(<LazyIntegrationSetup config={{PluginSettings: {Plugins: {}}}}/>, makeStore());
    expect(await screen.findByText(/Fill in the Bridge URL, the i-Reserve licence and the integration admin key/)).toBeInTheDocument();
});
