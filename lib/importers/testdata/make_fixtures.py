"""Writes the importer fixtures in each tool's saved-result format.

Written for splleed from reading the tools' source (see README.md); the
field names and how each figure is derived follow that source, the numbers
are drawn from a seeded generator. Run: python3 make_fixtures.py (numpy).
"""

import json
import math

import numpy as np

rng = np.random.default_rng(17)


# ---------------------------------------------------------------- vLLM ----


def vllm_stats(result, name, values_s, percentiles):
    v = values_s or 0
    result[f"mean_{name}_ms"] = float(np.mean(v) * 1000)
    result[f"median_{name}_ms"] = float(np.median(v) * 1000)
    result[f"std_{name}_ms"] = float(np.std(v) * 1000)
    for p in percentiles:
        word = str(int(p)) if int(p) == p else str(p)
        result[f"p{word}_{name}_ms"] = float(np.percentile(v, p) * 1000)


def vllm_detailed():
    n, cap, percentiles = 12, 4, [50.0, 90.0, 99.0, 99.9]
    failed_at = 7
    input_lens, output_lens, ttfts, itls, latencies = [], [], [], [], []
    start_times, queue_times, texts, errors = [], [], [], []
    t = 1000.0
    for i in range(n):
        input_lens.append(int(rng.integers(100, 140)))
        start_times.append(t + i * 0.05)
        queue_times.append(float(rng.uniform(0, 0.02)) if i >= cap else 0.0)
        if i == failed_at:
            ttfts.append(0.0)
            itls.append([])
            latencies.append(0.0)
            output_lens.append(0)
            texts.append("")
            errors.append(
                "Traceback (most recent call last):\n  ...\naiohttp.client_exceptions."
                "ClientResponseError: 500, message='Internal Server Error'"
            )
            continue
        ttft = float(rng.uniform(0.018, 0.060))
        k = int(rng.integers(6, 12))
        gaps = [float(g) for g in rng.gamma(4.0, 0.004, size=k - 1)]
        ttfts.append(ttft)
        itls.append(gaps)
        latencies.append(ttft + sum(gaps))
        output_lens.append(k)
        texts.append(" word" * k)
        errors.append("")
    ok = [i for i in range(n) if errors[i] == ""]
    duration = 0.43
    tpots = [
        (latencies[i] - ttfts[i]) / (output_lens[i] - 1) for i in ok if output_lens[i] > 1
    ]
    good = sum(1 for i in ok if ttfts[i] <= 0.05)
    total_in = sum(input_lens[i] for i in ok)
    total_out = sum(output_lens)
    result = {
        "date": "20260301-101500",
        "endpoint_type": "openai-chat",
        "backend": "openai-chat",
        "label": None,
        "model_id": "Qwen/Qwen2.5-0.5B-Instruct",
        "tokenizer_id": "Qwen/Qwen2.5-0.5B-Instruct",
        "num_prompts": n,
        "request_rate": "inf",
        "burstiness": 1.0,
        "max_concurrency": cap,
        "duration": duration,
        "completed": len(ok),
        "failed": n - len(ok),
        "total_input_tokens": total_in,
        "total_output_tokens": total_out,
        "request_throughput": len(ok) / duration,
        "request_goodput": good / duration,
        "output_throughput": total_out / duration,
        "total_token_throughput": (total_in + total_out) / duration,
        "input_lens": input_lens,
        "output_lens": output_lens,
        "ttfts": ttfts,
        "itls": itls,
        "latencies": latencies,
        "start_times": start_times,
        "queue_times": queue_times,
        "generated_texts": texts,
        "errors": errors,
        "max_output_tokens_per_s": 214.0,
        "max_concurrent_requests": cap,
        "rtfx": 0.0,
    }
    vllm_stats(result, "ttft", [ttfts[i] for i in ok], percentiles)
    vllm_stats(result, "tpot", tpots, percentiles)
    vllm_stats(result, "itl", [g for i in ok for g in itls[i]], percentiles)
    vllm_stats(result, "e2el", [latencies[i] for i in ok], percentiles)
    vllm_stats(result, "client_queue_time", [queue_times[i] for i in ok], percentiles)
    return result


def vllm_summary_only():
    """--request-rate 8 without --save-detailed: the per-request arrays are
    removed except `latencies` and `queue_times`, which are not in the list
    serve.py deletes."""
    n = 6
    ttfts = [float(x) for x in rng.uniform(0.02, 0.05, size=n)]
    lens = [16] * n
    itls = [[float(g) for g in rng.gamma(4.0, 0.004, size=15)] for _ in range(n)]
    latencies = [ttfts[i] + sum(itls[i]) for i in range(n)]
    tpots = [(latencies[i] - ttfts[i]) / 15 for i in range(n)]
    duration = 1.02
    result = {
        "date": "20260301-102000",
        "endpoint_type": "vllm",
        "backend": "vllm",
        "label": None,
        "model_id": "Qwen/Qwen2.5-0.5B-Instruct",
        "tokenizer_id": "Qwen/Qwen2.5-0.5B-Instruct",
        "num_prompts": n,
        "request_rate": 8.0,
        "burstiness": 1.0,
        "max_concurrency": None,
        "duration": duration,
        "completed": n,
        "failed": 0,
        "total_input_tokens": 128 * n,
        "total_output_tokens": sum(lens),
        "request_throughput": n / duration,
        "request_goodput": None,
        "output_throughput": sum(lens) / duration,
        "total_token_throughput": (128 * n + sum(lens)) / duration,
        "latencies": latencies,
        "queue_times": [0.0] * n,
        "max_output_tokens_per_s": 64.0,
        "max_concurrent_requests": 2,
        "rtfx": 0.0,
    }
    vllm_stats(result, "ttft", ttfts, [99.0])
    vllm_stats(result, "tpot", tpots, [99.0])
    vllm_stats(result, "itl", [g for x in itls for g in x], [99.0])
    return result


# ------------------------------------------------------------ GuideLLM ----

PCTS = {
    "p001": 0.001, "p01": 0.01, "p05": 0.05, "p10": 0.1, "p25": 0.25, "p50": 0.5,
    "p75": 0.75, "p90": 0.9, "p95": 0.95, "p99": 0.99, "p999": 0.999,
}


def summary(values, weights=None):
    """DistributionSummary.from_values: weighted pdf, nearest-rank percentiles
    by searchsorted over the cumulative probabilities."""
    if weights is None:
        weights = [1.0] * len(values)
    if len(values) == 0:
        zero = {k: 0.0 for k in PCTS}
        return {"mean": 0.0, "median": 0.0, "mode": 0.0, "variance": 0.0, "std_dev": 0.0,
                "min": 0.0, "max": 0.0, "count": 0, "total_sum": 0.0,
                "percentiles": zero, "pdf": None}
    count = round(sum(weights))
    vals = np.array(values, dtype=float)
    w = np.array(weights, dtype=float)
    uniq, inv = np.unique(vals, return_inverse=True)
    cw = np.zeros_like(uniq)
    np.add.at(cw, inv, w)
    mask = cw > 0
    uniq, cw = uniq[mask], cw[mask]
    prob = cw / cw.sum()
    cdf = np.cumsum(prob)
    pct = {k: float(uniq[min(np.searchsorted(cdf, p, side="left"), len(uniq) - 1)])
           for k, p in PCTS.items()}
    mean = float(np.sum(uniq * prob))
    var = float(np.sum((uniq - mean) ** 2 * prob))
    return {"mean": mean, "median": pct["p50"], "mode": float(uniq[np.argmax(prob)]),
            "variance": var, "std_dev": math.sqrt(var), "min": float(uniq[0]),
            "max": float(uniq[-1]), "count": count, "total_sum": mean * count,
            "percentiles": pct, "pdf": None}


def status(successful, errored=(), incomplete=(), ws=None):
    return {
        "successful": summary(list(successful), ws),
        "incomplete": summary(list(incomplete)),
        "errored": summary(list(errored)),
        "total": summary(list(successful) + list(incomplete) + list(errored)),
    }


def rate_status(rate):
    d = summary([rate])
    return {"successful": d, "incomplete": summary([]), "errored": summary([]), "total": d}


def guidellm_benchmark(index, strategy, n_ok, n_err, n_inc, start):
    ttft = [float(x) for x in rng.uniform(20, 80, size=n_ok)]
    out = [int(x) for x in rng.integers(60, 70, size=n_ok)]
    prompt = [int(x) for x in rng.integers(250, 260, size=n_ok)]
    itl = [float(x) for x in rng.uniform(8, 14, size=n_ok)]  # (last - first) / (out - 1)
    latency_s = [(ttft[i] + itl[i] * (out[i] - 1)) / 1000 for i in range(n_ok)]
    tpot = [latency_s[i] * 1000 / out[i] for i in range(n_ok)]  # (last - start) / out
    duration = 20.0
    measure_start = start + 1.0
    rps = n_ok / duration
    return {
        "type_": "generative_benchmark",
        "config": {
            "id_": f"7f1c9a1e-0000-4000-8000-00000000000{index}",
            "run_id": "2b9d4c1e-1111-4111-8111-111111111111",
            "run_index": index,
            "strategy": strategy,
            "constraints": {"max_seconds": {"max_duration": duration}},
            "sample_requests": 20,
            "warmup": {"percent": None, "value": None, "mode": "prefer_duration"},
            "cooldown": {"percent": None, "value": None, "mode": "prefer_duration"},
            "prefer_response_metrics": True,
            "profile": {"type_": "sweep", "sweep_size": 3},
            "requests": {"data": ["prompt_tokens=256,output_tokens=64"]},
            "backend": {"type_": "openai_http", "target": "http://localhost:8000",
                        "model": "Qwen/Qwen2.5-0.5B-Instruct"},
            "environment": {"type_": "non_distributed"},
        },
        "scheduler_state": {"node_id": 0, "num_processes": 1, "start_time": start,
                            "end_time": start + duration + 2.0},
        "scheduler_metrics": {
            "start_time": start, "request_start_time": start + 0.01,
            "measure_start_time": measure_start, "measure_end_time": measure_start + duration,
            "request_end_time": measure_start + duration + 0.5,
            "end_time": start + duration + 2.0,
            "requests_made": {"successful": n_ok, "incomplete": n_inc, "errored": n_err,
                              "total": n_ok + n_inc + n_err},
            "queued_time_avg": 0.0004, "resolve_start_delay_avg": 0.0001,
            "resolve_targeted_start_delay_avg": 0.0002, "request_start_delay_avg": 0.0001,
            "request_targeted_start_delay_avg": 0.0003, "request_time_avg": float(np.mean(latency_s)),
            "resolve_end_delay_avg": 0.0001, "resolve_time_avg": float(np.mean(latency_s)),
            "finalized_delay_avg": 0.0001, "processed_delay_avg": 0.0002,
        },
        "metrics": {
            "request_totals": {"successful": n_ok, "incomplete": n_inc, "errored": n_err,
                               "total": n_ok + n_inc + n_err},
            "requests_per_second": rate_status(rps),
            "request_concurrency": rate_status(float(np.mean(latency_s)) * rps),
            "request_latency": status(latency_s, [0.0] * n_err, [0.0] * n_inc),
            "request_streaming_iterations_count": status([float(o) for o in out]),
            "prompt_token_count": status([float(p) for p in prompt]),
            "output_token_count": status([float(o) for o in out]),
            "total_token_count": status([float(p + o) for p, o in zip(prompt, out)]),
            "time_to_first_token_ms": status(ttft),
            "time_to_first_output_token_ms": status(ttft),
            "time_per_output_token_ms": status(tpot, ws=[float(o) for o in out]),
            "inter_token_latency_ms": status(itl, ws=[float(o - 1) for o in out]),
            "prompt_tokens_per_second": rate_status(sum(prompt) / duration),
            "output_tokens_per_second": rate_status(sum(out) / duration),
            "tokens_per_second": rate_status((sum(prompt) + sum(out)) / duration),
            "output_tokens_per_iteration": status([1.0] * n_ok),
            "iter_tokens_per_iteration": status([1.0] * n_ok),
            "text": {"tokens": None, "words": None, "characters": None},
            "image": {"tokens": None, "images": None, "pixels": None, "bytes": None},
            "video": {"tokens": None, "frames": None, "seconds": None, "bytes": None},
            "audio": {"tokens": None, "samples": None, "seconds": None, "bytes": None},
            "tool_call": {"tokens": None, "mixed_tokens": None, "count": None},
        },
        "requests": {"successful": [], "incomplete": [], "errored": [], "total": None},
        "start_time": measure_start,
        "end_time": measure_start + duration,
        "duration": duration,
        "warmup_duration": measure_start - (start + 0.01),
        "cooldown_duration": 0.5,
    }


def guidellm_report():
    start = 1772360000.0
    return {
        "metadata": {"version": 1, "guidellm_version": "0.0.0-fixture",
                     "python_version": "3.12.3", "platform": "Linux-6.8.0-x86_64-with-glibc2.39"},
        "args": {"target": "http://localhost:8000", "backend": "openai_http",
                 "model": "Qwen/Qwen2.5-0.5B-Instruct", "profile": "sweep", "rate": [3],
                 "data": ["prompt_tokens=256,output_tokens=64"], "max_seconds": 20,
                 "outputs": ["json"]},
        "benchmarks": [
            guidellm_benchmark(0, {"type_": "synchronous"}, 40, 0, 1, start),
            guidellm_benchmark(1, {"type_": "throughput", "max_concurrency": None,
                                   "startup_duration": 0.0}, 180, 2, 6, start + 30),
            guidellm_benchmark(2, {"type_": "constant", "rate": 4.5, "startup_duration": 0.0,
                                   "max_concurrency": None}, 88, 0, 2, start + 60),
        ],
    }


def dump(name, value):
    with open(name, "w", encoding="utf-8") as f:
        json.dump(value, f)


dump("vllm_detailed.json", vllm_detailed())
dump("vllm_summary.json", vllm_summary_only())
dump("guidellm_sweep.json", guidellm_report())
