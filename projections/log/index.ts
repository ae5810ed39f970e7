export { logMirrorProjection } from './projection.ts';
