// One import for the records, their codecs, ids and factories.
export type * from './types.ts';
export { RecordDecodeError } from './errors.ts';
export { encodeNode, decodeNode, nodeToDict, NODE_STATES, NODE_KEYS, type DecodeMeta } from './node.ts';
export { encodeRequest, decodeRequest, requestToDict, REQUEST_STATES } from './request.ts';
export { encodeImageBuild, decodeImageBuild, buildToDict, BUILD_STATES, LEGACY_PYTHON_PATH } from './image-build.ts';
export { encodeImageUpload, decodeImageUpload, uploadToDict, UPLOAD_STATES } from './image-upload.ts';
export { encodeComponent, decodeComponent, componentToDict, COMPONENT_KINDS, COMPONENT_STATES, type ComponentKind } from './component.ts';
export { encodeExplanation, decodeExplanation } from './explanation.ts';
export * from './ids.ts';
export * from './factories.ts';
export { pyJsonDumps, pyJsonBytes, pyFloatRepr, PyFloat, asFloat } from './py-json.ts';
