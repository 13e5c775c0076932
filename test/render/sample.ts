// The render tests use the same fixed data as the gallery, so byte limits are checked on it.
export * from '../../src/render/gallery/demo-data.js';
