/** Names every path end agrees on (docs/spec/path-v1.md §1). Close codes and GOODBYE: src/session/. */

/** path-v1 §1: label of the one data channel a client opens per path. */
export const PATH_LABEL = 'starling/1';

/** path-v1 §1: WebSocket subprotocol between volunteer and egress. */
export const PATH_SUBPROTOCOL = 'starling.path.v1';
