// src/manifest.ts is generated from plugin.json; make sure it exists before any test imports it.
module.exports = async () => {
    await import('./gen-manifest.mjs');
};
