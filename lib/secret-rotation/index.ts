/**
 * Rotation of the M2M client secrets: the rotation Lambda's bundle, the function, its permissions and
 * one rotation schedule per client secret.
 */
export * from './secret-rotation';
export * from './secret-rotation-bundle';
