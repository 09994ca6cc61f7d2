/**
 * What a workload is once loaded: the requests to send (a prompt or a chat
 * history, and the output length to ask for), how their lengths were
 * counted, and where they came from. Load patterns decide when each is sent;
 * backends decide how.
 *
 * @module
 */

/** One chat message. */
export interface ChatMessage {
  /** `system`, `user` or `assistant`. */
  role: "system" | "user" | "assistant";
  /** The text. */
  content: string;
}

/** One request of a workload. */
export interface WorkloadItem {
  /** The prompt as text: the completions prompt, and for chat the last user message when `messages` is absent. */
  prompt: string;
  /** The chat history ending with the user turn to answer (chat API); absent: one user message `prompt`. */
  messages?: ChatMessage[];
  /** Output tokens to ask for (`max_tokens`); absent: the run's `sampling.maxTokens`. */
  outputLen?: number;
  /** Input tokens of the prompt as the workload's tokenizer counts them, when known. */
  inputLen?: number;
  /** For multi-turn conversations: which conversation and turn this is, and the think time before it. */
  conversation?: { id: number; turn: number; thinkMs: number };
  /** Per-item request fields, sent as given (OpenAI names); absent: none. */
  request?: ItemRequest;
}

/**
 * Request fields of one workload item, sent with its request under their
 * OpenAI names, after the run's own fields and `sampling.extra` (so an item
 * can ask for structured output or offer tools while the others do not).
 * The per-item `max_tokens` is {@linkcode WorkloadItem.outputLen}.
 */
export interface ItemRequest {
  /** `response_format` (OpenAI: { type: "json_object" } or { type: "json_schema", json_schema: { name, schema, strict? } }). */
  responseFormat?: Record<string, unknown>;
  /** `tools` (chat). */
  tools?: unknown[];
  /** `tool_choice` (chat). */
  toolChoice?: unknown;
  /** `temperature` for this item. */
  temperature?: number;
  /** Any other fields, merged into this item's body last. */
  extra?: Record<string, unknown>;
}

/** The tokenizer a workload was counted (or synthesised) with. */
export interface TokenizerInfo {
  /** Name: a Hugging Face model id or path, or the bundled default. */
  name: string;
  /** `hf` (a tokenizer.json) or `default` (js-tiktoken o200k, for synthesis and fingerprints only). */
  kind: "hf" | "default";
}

/** A loaded workload. */
export interface Workload {
  /** The requests, in order (request i of a level uses item i modulo their number). */
  items: WorkloadItem[];
  /** The tokenizer used for lengths, when one was. */
  tokenizer: TokenizerInfo | null;
  /** Where it came from, for the results (`{ source: "inline", ... }`, `{ source: "dataset", ... }`). */
  description: Record<string, unknown>;
  /** Prefix-sharing workloads: the ideal prefix-cache hit ratio (shared prefix tokens / input tokens). */
  idealPrefixHitRatio?: number;
}
