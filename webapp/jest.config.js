/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: 'jsdom',
    roots: ['<rootDir>/src'],
    globalSetup: '<rootDir>/scripts/jest_global_setup.js',
    setupFilesAfterEnv: ['<rootDir>/scripts/jest_setup.ts'],
    moduleFileExtensions: ['ts', 'tsx', 'js', 'jsx', 'json'],
    transform: {'^.+\\.(ts|tsx|js|jsx)$': 'babel-jest'},
    // The bridge↔webapp contract (server-bridge/src/contract/; the same alias is in tsconfig.json and
    // webpack.config.js). Its files import each other the Node way (`./posts.js` for posts.ts).
    moduleNameMapper: {
        '^@ireserve/contract$': '<rootDir>/../server-bridge/src/contract/index.ts',
        '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    clearMocks: true,
};
