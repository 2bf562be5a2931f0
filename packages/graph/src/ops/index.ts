export * from './elementwise';
export * from './conv';
export * from './matmul';
export * from './reduce';
export * from './shape';
export * from './norm';
export * from './resize';
export { runtimeShape } from './runtime-shape';
export { OP_SCHEMAS, opSchema, OpType } from './names';
