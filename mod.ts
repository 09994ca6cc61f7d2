/**
 * splleed: benchmark LLM inference servers (vLLM, TGI, SGLang, llama.cpp,
 * any OpenAI-compatible endpoint) with correct timestamps, no coordinated
 * omission and statistics a reviewer accepts.
 *
 * @example A concurrency sweep on the built-in simulated engine
 * ```ts
 * import { benchmark, simulator } from "./mod.ts";
 *
 * const results = await benchmark({
 *   backend: simulator({ ttftMs: 30, itlMs: 5 }),
 *   prompts: ["What is the capital of France?", "Explain quantum computing briefly."],
 *   mode: "latency",
 *   concurrency: [1, 2],
 *   warmup: 1,
 *   runs: 4,
 *   trials: 2,
 *   confidenceLevel: 0.95,
 *   sampling: { maxTokens: 8, temperature: 0, topP: 1, ignoreEos: false },
 *   slo: { ttftMs: 200, tpotMs: 50, e2eMs: 5000 },
 *   records: false,
 * });
 * results.print();
 * const json = results.toJSON();
 * const csv = results.toCSV();
 * ```
 *
 * Against a running server: `vllm({ model, endpoint: "http://localhost:8000" })`,
 * `tgi({ endpoint })`, `sglang({ endpoint })`, `llamacpp({ endpoint })` or
 * `openai({ endpoint, model, api: "chat", apiKeyEnv: "OPENAI_API_KEY" })`.
 * Open-loop load: `mode: "serve", requestRates: [2, 8, 32, Infinity]` with
 * `arrival: "poisson" | "gamma" | "constant"`; workloads from files,
 * ShareGPT, Hugging Face datasets, synthetic lengths or shared prefixes:
 * `workload: { source: "synthetic", inputLen: { dist: "normal", mean: 512, std: 64 }, outputLen: 128, count: 200 }`;
 * a saturation search: `sweep: { find: "max-concurrency", slo: { tpotMs: 50 } }`.
 * Without an `endpoint`, the engine backends start the engine and stop it
 * afterwards: `vllm({ model, tensorParallel: 2 })`,
 * `llamacpp({ binary, model: "model.gguf", parallel: 4 })` (see `docs/engines.md`).
 *
 * @module
 */

export { benchmark } from "./lib/runner/benchmark.ts";
export type { BenchmarkEvent, BenchmarkOptions } from "./lib/runner/benchmark.ts";
export { planRun } from "./lib/runner/plan.ts";
export { renderPlan } from "./lib/report/plan.ts";
export type {
  LevelEndEvent,
  LevelStartEvent,
  RunEndEvent,
  RunObserver,
  RunStartEvent,
  TrialEndEvent,
  TrialStartEvent,
} from "./lib/runner/observer.ts";
export type { LevelLoad, PlannedLevel, PlannedSweep, RunPlan } from "./lib/results/plan.ts";
export { BenchmarkResults, checkTableOptions } from "./lib/runner/results.ts";
export type { TableOptions } from "./lib/runner/results.ts";
export { escapeMarkdownCell, markdownTable, renderMarkdown } from "./lib/report/markdown.ts";
export { htmlReport } from "./lib/runner/html.ts";
export { GpuTelemetryObserver } from "./lib/gpu/observer.ts";
export type { GpuTelemetryOptions } from "./lib/gpu/observer.ts";
export { NvmlError, NvmlLoadError } from "./lib/gpu/nvml.ts";
export { EngineMetricsObserver } from "./lib/engine/observer.ts";
export type { EngineMetricsOptions } from "./lib/engine/observer.ts";
export { parsePrometheus } from "./lib/engine/prometheus.ts";
export { MarkersObserver } from "./lib/trace/observer.ts";
export type { MarkersObserverOptions } from "./lib/trace/observer.ts";
export { NVTX_LIBRARY_ENV, NvtxLoadError } from "./lib/trace/nvtx.ts";
export { exportTimeline, TIMELINE_FORMATS } from "./lib/trace/timeline.ts";
export type { TimelineFormat, TimelineOptions } from "./lib/trace/timeline.ts";
export { timelineText, writeTimeline } from "./lib/runner/timeline.ts";
export type { TimelineExportOptions } from "./lib/runner/timeline.ts";
export type { HtmlReportOptions, HtmlReportRun } from "./lib/runner/html.ts";
export { HTML_SECTIONS, renderHtmlReport } from "./lib/report/html/render.ts";
export type {
  ChartSpec,
  HtmlReportInput,
  HtmlSection,
  SectionContext,
  SectionOutput,
} from "./lib/report/html/render.ts";
export { ResultsSaveError } from "./lib/runner/errors.ts";
export { checkOutputs } from "./lib/runner/outputs.ts";
export type { OutputTargets } from "./lib/runner/outputs.ts";
export { failedLevels } from "./lib/analysis/failures.ts";
export { compare, Comparison } from "./lib/runner/compare.ts";
export {
  compareDocuments,
  DEFAULT_COMPARE_METRICS,
  likeForLike,
  matchLevels,
} from "./lib/analysis/compare.ts";
export type {
  CompareOptions,
  ComparisonData,
  LevelComparison,
  MetricComparison,
  SideStats,
  Verdict,
} from "./lib/analysis/compare.ts";
export { renderComparison, renderComparisonMarkdown } from "./lib/report/compare.ts";
export { abOrder, abTest } from "./lib/runner/ab.ts";
export type { AbLetter, AbSide, AbTestOptions, AbTestResult } from "./lib/runner/ab.ts";
export { RegressionCheck } from "./lib/runner/regression.ts";
export type { RegressionCheckOptions } from "./lib/runner/regression.ts";
export { checkRegressions, validateThresholds } from "./lib/analysis/regression.ts";
export type {
  RegressionLevel,
  RegressionOptions,
  RegressionPolicy,
  RegressionResult,
  RegressionRow,
  RegressionVerdict,
} from "./lib/analysis/regression.ts";
export {
  regressionSummary,
  renderRegressionMarkdown,
  renderRegressionTable,
} from "./lib/report/regression.ts";
export { redact, registerSecret } from "./lib/util/redact.ts";
export type { FailedLevel } from "./lib/analysis/failures.ts";
export { parseResults, readResults } from "./lib/results/read.ts";
export { readRecords, readRecordsHeader } from "./lib/results/records.ts";
export type { ReadRecordsOptions, RunLine } from "./lib/results/records.ts";
export { ResultsFormatError } from "./lib/results/errors.ts";
export type { ResultsFormatProblem, ResultsIssue } from "./lib/results/errors.ts";
export type {
  ImportedSource,
  LevelResult,
  ResultsDocument,
  TrialResult,
} from "./lib/results/document.ts";
export type { MetricSummary } from "./lib/stats/summary.ts";
export * as stats from "./lib/stats/mod.ts";

export { openai } from "./lib/backends/openai.ts";
export { vllm } from "./lib/backends/vllm.ts";
export { tgi } from "./lib/backends/tgi.ts";
export { sglang } from "./lib/backends/sglang.ts";
export { llamacpp } from "./lib/backends/llamacpp.ts";
export { simulator } from "./lib/backends/simulator.ts";
export type {
  Backend,
  BackendClient,
  ConnectOptions,
  PreparedRequest,
} from "./lib/backends/backend.ts";
export type {
  Api,
  BackendConfig,
  DockerOptions,
  HttpBackendOptions,
  HttpFields,
  LlamacppOptions,
  ManagedOptions,
  OpenAIApi,
  OpenAIOptions,
  SglangOptions,
  SimulatorBackendOptions,
  TgiOptions,
  VllmOptions,
} from "./lib/config/backends.ts";
export type {
  BenchmarkSpec,
  BenchmarkSpecCommon,
  BenchmarkSpecInput,
  PromptsSpec,
  Sampling,
  SamplingInput,
  Slo,
  TransportObject,
} from "./lib/config/benchmark.ts";
export type {
  EngineModelOverrides,
  SimulatorDrift,
  SimulatorFaults,
  SimulatorJitter,
  SimulatorOptions,
} from "./lib/config/sim.ts";
export { ConfigError } from "./lib/config/errors.ts";
export { applyOverrides } from "./lib/config/overrides.ts";
export type { RunFlags } from "./lib/config/overrides.ts";
export { readConfigFile } from "./lib/config/parse.ts";
export type { ConfigIssue } from "./lib/config/errors.ts";

export { startServer } from "./lib/servers/server.ts";
export type { RunningServer, StartServerOptions } from "./lib/servers/server.ts";
export type { LaunchSpec, ProcessLaunch } from "./lib/config/launch.ts";

export { serveSimulator } from "./lib/sim/server.ts";
export type { SimServer } from "./lib/sim/server.ts";
export { startSimulatorWorker } from "./lib/sim/in_process.ts";
export type { SimulatorHandle } from "./lib/sim/in_process.ts";
export { PROFILES } from "./lib/sim/profiles.ts";
export type { EngineModel } from "./lib/sim/profiles.ts";

export { loadWorkload, workloadTokenizer } from "./lib/workload/load.ts";
export { loadTokenizer } from "./lib/workload/load_tokenizer.ts";
export type { Tokenizer } from "./lib/workload/tokenizer.ts";
export { addObservedOutput, fingerprint } from "./lib/workload/fingerprint.ts";
export { compareFingerprints } from "./lib/analysis/fingerprint.ts";
export { renderFingerprint } from "./lib/report/fingerprint.ts";
export type { WorkloadFingerprint } from "./lib/workload/fingerprint.ts";
export { hubFetcher } from "./lib/workload/hub.ts";
export type { HubFetcher } from "./lib/workload/hub.ts";
export type { ChatMessage, ItemRequest, Workload, WorkloadItem } from "./lib/workload/types.ts";
export { parseDistribution } from "./lib/config/workload.ts";
export type {
  ConversationalOptions,
  ConversationalOptionsInput,
  Distribution,
  DistributionInput,
  DistributionObject,
  InlineItem,
  WorkloadCommonOptions,
  WorkloadSource,
  WorkloadSourceInput,
  WorkloadSourceOf,
  WorkloadSpec,
  WorkloadSpecInput,
} from "./lib/config/workload.ts";
export { planArrivals } from "./lib/load/arrivals.ts";
export type { ArrivalPlanOptions, ArrivalProcess } from "./lib/load/arrivals.ts";
export type { LoadDelivered } from "./lib/metrics/load_delivered.ts";
export type { TimeSeries } from "./lib/metrics/time_series.ts";
export type { LiveStats } from "./lib/metrics/live.ts";

export { METRIC_IDS } from "./lib/metrics/ids.ts";
export type { RequestRecord } from "./lib/record/record.ts";
export type { HttpTransport } from "./lib/http/transport.ts";

// Types that the exported functions, classes and interfaces above refer to (so users can name
// them and the documentation links resolve).
export type { RequestFields, RequestInput } from "./lib/backends/backend.ts";
export type {
  CdfCurve,
  ChartRule,
  ChartSeries,
  HtmlRun,
  LevelDistributions,
} from "./lib/report/html/types.ts";
export type {
  EngineRunEndEvent,
  EngineRunStartEvent,
  EngineSeries,
  EngineTelemetry,
  EngineTrialEndEvent,
} from "./lib/engine/observer.ts";
export type { GpuTelemetrySeries, GpuTelemetrySource } from "./lib/gpu/observer.ts";
export type { HttpRequest, ResponseHandler } from "./lib/http/transport.ts";
export type { HubFetcherOptions, HubRepo } from "./lib/workload/hub.ts";
export type { SimulatorLaunch } from "./lib/config/launch.ts";
export type {
  MarkerRequest,
  MarkersRunEnd,
  MarkersRunStart,
  MarkersTelemetry,
} from "./lib/trace/observer.ts";
export { PROFILE_NAMES } from "./lib/config/sim.ts";
export type { ProfileName } from "./lib/config/sim.ts";
export type { EnvLookup } from "./lib/workload/cache_dir.ts";
export type { MetricInfo } from "./lib/metrics/ids.ts";
export type { FailureReason, RecordFlag, TokenCountSource } from "./lib/record/record.ts";
export type { Telemetry, TelemetrySeries, TelemetrySource } from "./lib/results/document.ts";
export type { BackendType } from "./lib/config/backends.ts";
export type { SimCounters } from "./lib/sim/openai_api.ts";
export type { TokenizerInfo } from "./lib/workload/types.ts";
export type {
  FingerprintOptions,
  LengthPercentiles,
  SamplingParams,
} from "./lib/workload/fingerprint.ts";
export type { ApplyOverridesOptions } from "./lib/config/overrides.ts";
export type { CheckOutputsDeps } from "./lib/runner/outputs.ts";
export type {
  TimelineClock,
  TimelineDocument,
  TimelineHeader,
  TimelineRecord,
  TimelineSeries,
  TimelineSource,
} from "./lib/trace/timeline.ts";
export type { LoadTokenizerOptions } from "./lib/workload/load_tokenizer.ts";
export type { LoadWorkloadOptions } from "./lib/workload/load.ts";
export type { PromFamily, PromSample } from "./lib/engine/prometheus.ts";
export type {
  RegressionReportData,
  RegressionReportRow,
  RenderRegressionOptions,
} from "./lib/report/regression.ts";
export type { RenderComparisonOptions } from "./lib/report/compare.ts";
export type { RenderHtmlOptions } from "./lib/report/html/render.ts";

// ---- History: trends and change points across runs ----
export { buildTrend, type Trend, type TrendChange, type TrendPoint } from "./lib/analysis/trend.ts";
export { renderTrend, type RenderTrendOptions, sparkline } from "./lib/report/trend.ts";
export { renderTrendHtml, type RenderTrendHtmlOptions } from "./lib/report/html/trend.ts";
export type { ChangePoint, ChangePointOptions } from "./lib/stats/changepoint.ts";

// ---- Other tools' results, imported ----
export { IMPORT_TOOLS, importResults, type ImportTool } from "./lib/runner/import.ts";

// ---- History of runs ----
export {
  addRunsToHistory,
  addToHistory,
  baselineFromHistory,
  type BaselineFromHistoryOptions,
  HistoryError,
  type HistoryOptions,
  type HistoryPoint,
  type HistoryProblem,
  type HistoryQuery,
  type HistoryRun,
  type HistoryTrend,
  historyTrend,
  type HistoryTrendOptions,
  listHistory,
} from "./lib/runner/history.ts";
export { type HistoryOpenOptions, HistoryStore } from "./lib/history/store.ts";
export { type PoolOptions, poolRuns } from "./lib/analysis/pool.ts";

// ---- Prometheus: live metrics and the Pushgateway summary ----
export {
  LAG_BUCKETS_S,
  LATENCY_BUCKETS_S,
  LIVE_LABELS,
  PrometheusObserver,
  type PrometheusOptions,
  type PrometheusRunStart,
} from "./lib/prom/live.ts";
export {
  PUSH_LABELS,
  type PushedGauge,
  type PushOptions,
  pushSummary,
  summaryGauges,
} from "./lib/prom/push.ts";
