// Moved to electron/shared (the renderer uses it too); kept here for core's imports.
export * from '../../shared/place.js';
