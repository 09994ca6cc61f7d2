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
