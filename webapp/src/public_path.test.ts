import {appBarIconURL, pluginBaseURL, setChunkPublicPath} from './public_path';

test('chunks come from the installed plugin\'s folder under the site URL, sub-path included', () => {
    const at = (origin: string, basename?: string) => ({location: {origin} as Location, basename});
    expect(pluginBaseURL(at('https://chat.example.com'))).toBe('https://chat.example.com/plugins/net.ireserve.mattermost/');
    expect(pluginBaseURL(at('https://chat.example.com', '/mattermost/'))).toBe('https://chat.example.com/mattermost/plugins/net.ireserve.mattermost/');
});

test('outside a webpack build there is no public path to set', () => {
    expect(() => setChunkPublicPath()).not.toThrow();
});

test('the App Bar icon is the public/ copy of assets/icon.svg', () => {
    expect(appBarIconURL({location: {origin: 'https://chat.example.com'} as Location, basename: '/mm'})).toBe('https://chat.example.com/mm/plugins/net.ireserve.mattermost/public/app-bar-icon.svg');
});
