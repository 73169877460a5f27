// Builds the webapp bundle Mattermost loads: webapp/dist/main.js, and the chunks it loads on demand:
// webapp/dist/public/<name>.<hash>.js (today one, admin_console: the System Console screens with the
// bridge client and axios). scripts/dist.mjs packs those into the plugin's public/ folder, which
// Mattermost serves at <site>/plugins/<id>/public/; src/public_path.ts points webpack there at run
// time. React, ReactDOM, Redux, ReactRedux and PropTypes come from the host page (window globals).
const fs = require('fs');
const path = require('path');

const {id: PLUGIN_ID, version: PLUGIN_VERSION} = require('../plugin.json');

/**
 * Copies assets/icon.svg into dist/public/app-bar-icon.svg: the App Bar shows a plugin's icon from a
 * URL (src/public_path.ts appBarIconURL), and public/ is the folder Mattermost serves.
 */
class AppBarIconPlugin {
    apply(compiler) {
        const source = path.join(__dirname, '..', 'assets', 'icon.svg');
        compiler.hooks.thisCompilation.tap('AppBarIconPlugin', (compilation) => {
            compilation.fileDependencies.add(source);
            compilation.hooks.processAssets.tap({name: 'AppBarIconPlugin', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL}, () => {
                compilation.emitAsset('public/app-bar-icon.svg', new compiler.webpack.sources.RawSource(fs.readFileSync(source)));
            });
        });
    }
}

// The bridge↔webapp contract lives in the bridge's source (server-bridge/src/contract/, see its
// index.ts) and is imported as `@ireserve/contract` (the same alias is in tsconfig.json and
// jest.config.js). Its files import each other the Node way (`./posts.js` for posts.ts).
const CONTRACT_DIR = path.resolve(__dirname, '../server-bridge/src/contract');

module.exports = (env, argv) => ({
    entry: './src/index.tsx',
    mode: argv.mode === 'development' ? 'development' : 'production',
    devtool: argv.mode === 'development' ? 'eval-source-map' : false,
    resolve: {
        extensions: ['.ts', '.tsx', '.js', '.jsx'],
        alias: {'@ireserve/contract$': path.join(CONTRACT_DIR, 'index.ts')},
    },
    module: {
        rules: [
            {
                include: CONTRACT_DIR,
                resolve: {extensionAlias: {'.js': ['.ts', '.js']}},
            },
            {
                test: /\.(ts|tsx|js|jsx)$/,
                exclude: /node_modules/,
                use: {loader: 'babel-loader', options: {cacheDirectory: false}},
            },
        ],
    },
    plugins: [new AppBarIconPlugin()],
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
        // Chunk names carry their path inside the installed plugin (public/…) and a content hash
        // (Mattermost sends no Cache-Control for public files: a new build must get a new URL).
        chunkFilename: 'public/[name].[contenthash:8].js',
        // Set at run time (src/public_path.ts); never 'auto', whose detection runs at start-up.
        publicPath: '',
        // Own names for the runtime's globals, apart from the host web app's webpack runtime and
        // other plugins'. The chunk list also carries the version: after a plugin upgrade in an
        // open page, the new main.js must not take over chunks the old one had installed.
        uniqueName: PLUGIN_ID,
        chunkLoadingGlobal: `webpackChunk_${PLUGIN_ID}_${PLUGIN_VERSION}`,
        devtoolNamespace: PLUGIN_ID,
        clean: true,
    },
    optimization: {
        // One chunk per dynamic import, holding everything only it needs (no separate vendor chunk).
        splitChunks: false,
        // Squeeze harder than the default (2 passes): the bundle has a 60 KB gzipped budget.
        minimizeOptions: {javascript: {ecma: 2020, compress: {passes: 3, pure_getters: true, unsafe_arrows: true}, format: {comments: false}}},
    },
    performance: {
        hints: 'warning',
        maxAssetSize: 300 * 1024,
        maxEntrypointSize: 300 * 1024,
    },
});
