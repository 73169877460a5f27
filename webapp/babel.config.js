// Babel turns TypeScript + JSX into plain JavaScript for webpack (browsers) and jest (node).
// JSX uses the classic runtime (React.createElement): React is the host page's window.React,
// and react/jsx-runtime must never be bundled.
module.exports = (api) => {
    const isTest = api.env('test');
    return {
        presets: [
            ['@babel/preset-env', isTest ? {targets: {node: 'current'}} : {
                // Browsers the Mattermost web app itself supports; nothing older needs transpiling.
                targets: {chrome: '110', firefox: '115', safari: '16.4', edge: '110'},
                modules: false,
                bugfixes: true,
            }],
            ['@babel/preset-react', {runtime: 'classic'}],
            ['@babel/preset-typescript', {allExtensions: true, isTSX: true, onlyRemoveTypeImports: true}],
        ],
    };
};
