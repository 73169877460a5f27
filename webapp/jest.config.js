/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: 'jsdom',
    roots: ['<rootDir>/src'],
    globalSetup: '<rootDir>/scripts/jest_global_setup.js',
    setupFilesAfterEnv: ['<rootDir>/scripts/jest_setup.ts'],
    moduleFileExtensions: ['ts', 'tsx', 'js', 'jsx', 'json'],
    transform: {'^.+\\.(ts|tsx|js|jsx)$': 'babel-jest'},
    clearMocks: true,
};
