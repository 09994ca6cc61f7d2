/**
 * Transitional: the HTTP/1.1 parsing pieces moved to the public
 * `http1_parse.ts` (the simulator uses them, and a private file is for its
 * own folder only). Kept for `bench/parse_micro.ts` until it imports
 * `../lib/http/http1_parse.ts`; then delete this file.
 *
 * @module
 */

export { ChunkedDecoder, findHeadEnd, parseHead } from "./http1_parse.ts";
