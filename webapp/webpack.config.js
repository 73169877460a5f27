// Builds the webapp bundle Mattermost loads: webapp/dist/main.js.
// React, ReactDOM, Redux, ReactRedux and PropTypes come from the host page (window globals).
const path = require('path');

const PLUGIN_ID = require('../plugin.json').id;

module.exports = (env, argv) => ({
    entry: './src/index.tsx',
    mode: argv.mode === 'development' ? 'development' : 'production',
    devtool: argv.mode === 'development' ? 'eval-source-map' : false,
    resolve: {
        extensions: ['.ts', '.tsx', '.js', '.jsx'],
    },
    module: {
        rules: [
            {
                test: /\.(ts|tsx|js|jsx)$/,
                exclude: /node_modules/,
                use: {loader: 'babel-loader', options: {cacheDirectory: false}},
            },
        ],
    },
    externals: {
        react: 'React',
        'react-dom': 'ReactDOM',
        redux: 'Redux',
        'react-redux': 'ReactRedux',
        'prop-types': 'PropTypes',
    },
    output: {
        path: path.join(__dirname, 'dist'),
        filename: 'main.js',
        devtoolNamespace: PLUGIN_ID,
        clean: true,
    },
    optimization: {
        // Squeeze harder than the default (2 passes): the bundle has a 60 KB gzipped budget.
        minimizeOptions: {javascript: {ecma: 2020, compress: {passes: 3, pure_getters: true, unsafe_arrows: true}, format: {comments: false}}},
    },
    performance: {
        hints: 'warning',
        maxAssetSize: 300 * 1024,
        maxEntrypointSize: 300 * 1024,
    },
});
