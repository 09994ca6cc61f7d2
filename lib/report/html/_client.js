// deno-lint-ignore-file no-unused-vars
// The HTML report's own script: it runs in the browser, never in Deno. The
// report inlines this file after uPlot and calls splleedCharts(uPlot, data)
// with the embedded JSON (see render.ts). It draws each chart of
// data.charts (the ChartSpec of types.ts) into its container, with
// whiskers for intervals, labels beside points and reference lines, and
// resizes the charts with their containers. It makes no network request.

/**
 * Draws every chart of the report.
 *
 * @param {any} uPlot The uPlot constructor.
 * @param {{ charts: any[] }} data The embedded report data.
 * @returns {number} How many charts were drawn.
 */
function splleedCharts(uPlot, data) {
  const style = getComputedStyle(document.documentElement);
  const cssVar = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  const fg = cssVar("--fg", "#1f2328");
  const muted = cssVar("--muted", "#59636e");
  const gridColor = cssVar("--grid", "rgba(0,0,0,0.08)");
  const bg = cssVar("--bg", "#ffffff");
  const family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  const font = "12px " + family;
  const labelFont = "600 12px " + family;
  const pr = () => uPlot.pxRatio || 1;

  /** A value for the legend: thousands separated, decimals by magnitude. */
  function fmt(v) {
    if (v == null || !isFinite(v)) return "—";
    const a = Math.abs(v);
    if (a !== 0 && a < 0.001) return v.toPrecision(2);
    const d = a >= 100 || Number.isInteger(v) ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
    return v.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  }

  /** A tick label: short (12k, 1.5M). */
  function fmtTick(v) {
    if (v == null || !isFinite(v)) return "";
    const a = Math.abs(v);
    if (a >= 1e6) return +(v / 1e6).toPrecision(3) + "M";
    if (a >= 1e4) return +(v / 1e3).toPrecision(3) + "k";
    return String(+v.toPrecision(4));
  }

  /** A round step near span / n: 1, 2, 2.5 or 5 times a power of ten. */
  function niceStep(span, n) {
    const raw = span / n;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
  }

  function linearSplits(min, max, n) {
    if (!(max > min)) return [min];
    const step = niceStep(max - min, n);
    const out = [];
    for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) {
      out.push(+v.toPrecision(12));
    }
    return out;
  }

  /** Ticks of a log axis: decades when the range spans them, else 1-2-5, else 1…9, else linear. */
  function logSplits(min, max) {
    for (const mults of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
      const out = [];
      for (let e = Math.floor(Math.log10(min)) - 1; e <= Math.ceil(Math.log10(max)); e++) {
        for (const m of mults) {
          const v = +(m * Math.pow(10, e)).toPrecision(12);
          if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
        }
      }
      if (out.length >= 3) return out;
    }
    return linearSplits(min, max, 4);
  }

  /** The range of an axis from its values (and the bounds the spec fixes). */
  function range(values, log, fixedMin, fixedMax, padRight) {
    const vs = values.filter((v) => v != null && isFinite(v) && (!log || v > 0));
    let lo = vs.length ? Math.min(...vs) : log ? 1 : 0;
    let hi = vs.length ? Math.max(...vs) : log ? 10 : 1;
    if (log) {
      if (lo === hi) {
        lo /= 2;
        hi *= 2;
      }
      lo /= 1.12;
      hi *= 1.12 * (1 + padRight);
    } else {
      if (lo === hi) {
        const d = Math.abs(lo) * 0.1 || 1;
        lo -= d;
        hi += d;
      }
      const span = hi - lo;
      lo = lo >= 0 && lo - span * 0.06 < 0 ? 0 : lo - span * 0.06;
      hi += span * (0.08 + padRight);
    }
    if (fixedMin != null) lo = fixedMin;
    if (fixedMax != null) hi = fixedMax;
    return [lo, hi];
  }

  /** Each series' points, ascending in x, without what the axes cannot show. */
  function prepare(spec) {
    const xlog = !!spec.x.log, ylog = !!spec.y.log;
    return spec.series.map((s) => {
      const idx = s.x.map((_, i) => i).filter((i) => {
        const x = s.x[i];
        return x != null && isFinite(x) && (!xlog || x > 0);
      }).sort((a, b) => s.x[a] - s.x[b]);
      const e = { s, xs: [], ys: [], lo: [], hi: [], labels: [], given: [] };
      for (const i of idx) {
        let x = s.x[i];
        const prev = e.xs[e.xs.length - 1];
        if (prev !== undefined && x <= prev) x = prev + Math.abs(prev) * 1e-9 + 1e-12;
        let y = s.y[i];
        if (y != null && (!isFinite(y) || (ylog && y <= 0))) y = null;
        e.xs.push(x);
        e.ys.push(y);
        e.lo.push(s.lo ? s.lo[i] : null);
        e.hi.push(s.hi ? s.hi[i] : null);
        e.labels.push(s.labels ? s.labels[i] : null);
        e.given[i] = y == null ? null : [x, y];
      }
      return e;
    }).filter((e) => e.xs.length > 0);
  }

  /** A line through the points in the order the spec gives them (a load sweep), not by x. */
  function givenPath(u, e) {
    const stroke = new Path2D();
    let pen = false;
    for (const pt of e.given) {
      if (pt == null) {
        pen = false;
        continue;
      }
      const x = u.valToPos(pt[0], "x", true), y = u.valToPos(pt[1], "y", true);
      if (pen) stroke.lineTo(x, y);
      else stroke.moveTo(x, y);
      pen = true;
    }
    return { stroke, fill: null, clip: null, band: null, gaps: null, flags: 0 };
  }

  function drawExtras(u, spec, prepared) {
    const ctx = u.ctx;
    const p = pr();
    const { left, top, width, height } = u.bbox;
    const xs = u.scales.x, ys = u.scales.y;
    const ylog = !!spec.y.log;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    // Whiskers: each point's interval.
    prepared.forEach((e, si) => {
      if (!u.series[si + 1].show) return;
      ctx.strokeStyle = e.s.color;
      ctx.lineWidth = 1.5 * p;
      ctx.setLineDash([]);
      const cap = 4 * p;
      for (let i = 0; i < e.xs.length; i++) {
        let lo = e.lo[i];
        const hi = e.hi[i];
        if (lo == null || hi == null || !isFinite(lo) || !isFinite(hi)) continue;
        if (ylog) {
          if (hi <= 0) continue;
          if (lo <= 0) lo = ys.min;
        }
        const x = u.valToPos(e.xs[i], "x", true);
        const y0 = u.valToPos(lo, "y", true), y1 = u.valToPos(hi, "y", true);
        ctx.beginPath();
        ctx.moveTo(x, y0);
        ctx.lineTo(x, y1);
        ctx.moveTo(x - cap, y0);
        ctx.lineTo(x + cap, y0);
        ctx.moveTo(x - cap, y1);
        ctx.lineTo(x + cap, y1);
        ctx.stroke();
      }
    });
    // Reference lines.
    ctx.font = 11 * p + "px " + family;
    for (const r of spec.rules || []) {
      ctx.strokeStyle = r.color;
      ctx.fillStyle = r.color;
      ctx.lineWidth = 1 * p;
      ctx.setLineDash([5 * p, 4 * p]);
      ctx.beginPath();
      if (r.axis === "y") {
        if (r.value > ys.max) {
          ctx.textAlign = "right";
          ctx.textBaseline = "top";
          ctx.fillText("▲ " + r.label, left + width - 4 * p, top + 3 * p);
          continue;
        }
        if (r.value < ys.min) continue;
        const y = u.valToPos(r.value, "y", true);
        ctx.moveTo(left, y);
        ctx.lineTo(left + width, y);
        ctx.stroke();
        ctx.textAlign = "right";
        // Above the line, or below it when the line runs along the top.
        const above = y - 16 * p >= top;
        ctx.textBaseline = above ? "bottom" : "top";
        ctx.fillText(r.label, left + width - 4 * p, above ? y - 2 * p : y + 3 * p);
      } else {
        if (r.value < xs.min || r.value > xs.max) continue;
        const x = u.valToPos(r.value, "x", true);
        ctx.moveTo(x, top);
        ctx.lineTo(x, top + height);
        ctx.stroke();
        if (r.label) {
          ctx.fillStyle = muted;
          ctx.textAlign = "left";
          ctx.textBaseline = "top";
          ctx.fillText(r.label, x + 3 * p, top + 3 * p);
        }
      }
    }
    ctx.setLineDash([]);
    ctx.restore();
    // Labels beside points (outside the clip, inside the canvas): each at the first of four
    // places beside its point that overlaps no label already drawn, or not at all.
    ctx.save();
    ctx.font = 11 * p + "px " + family;
    ctx.textBaseline = "bottom";
    const taken = [];
    const free = (r) =>
      r.x0 >= left && r.x1 <= left + width && r.y0 >= top && r.y1 <= top + height &&
      taken.every((t) => r.x1 < t.x0 || r.x0 > t.x1 || r.y1 < t.y0 || r.y0 > t.y1);
    prepared.forEach((e, si) => {
      if (!u.series[si + 1].show) return;
      for (let i = 0; i < e.xs.length; i++) {
        const text = e.labels[i];
        if (!text || e.ys[i] == null) continue;
        const x = u.valToPos(e.xs[i], "x", true);
        const y = u.valToPos(e.ys[i], "y", true);
        const w = ctx.measureText(text).width, h = 12 * p, gap = 6 * p;
        const places = [
          { x0: x + gap, y0: y - gap - h },
          { x0: x - gap - w, y0: y - gap - h },
          { x0: x + gap, y0: y + gap },
          { x0: x - gap - w, y0: y + gap },
        ].map((r) => ({ x0: r.x0, y0: r.y0, x1: r.x0 + w, y1: r.y0 + h }));
        const at = places.find(free);
        if (!at) continue;
        taken.push(at);
        ctx.textAlign = "left";
        ctx.lineWidth = 3 * p;
        ctx.strokeStyle = bg;
        ctx.strokeText(text, at.x0, at.y1);
        ctx.fillStyle = fg;
        ctx.fillText(text, at.x0, at.y1);
      }
    });
    ctx.restore();
  }

  function makeChart(spec, el) {
    const plotEl = el.querySelector(".plot");
    const prepared = prepare(spec);
    if (prepared.length === 0) {
      plotEl.textContent = "No data to plot.";
      return null;
    }
    const xlog = !!spec.x.log, ylog = !!spec.y.log;
    const hasLabels = prepared.some((e) => e.labels.some((l) => l));
    const xRange = range(
      prepared.flatMap((e) => e.xs),
      xlog,
      null,
      null,
      hasLabels ? 0.08 : 0,
    );
    const yValues = prepared.flatMap((e) => e.ys.concat(e.lo, e.hi));
    const dataMax = Math.max(...yValues.filter((v) => v != null && isFinite(v)));
    for (const r of spec.rules || []) {
      if (r.axis === "y" && isFinite(dataMax) && r.value <= dataMax * 2) yValues.push(r.value);
    }
    const yRange = range(yValues, ylog, ylog ? null : spec.y.min, spec.y.max, 0);
    const tables = prepared.map((e) => [e.xs, e.ys]);
    const aligned = uPlot.join(tables);
    const unit = spec.y.percent ? " %" : "";
    const series = [{ label: spec.x.label, value: (u, v) => fmt(v) }];
    for (const e of prepared) {
      const s = e.s;
      const opt = {
        label: s.label,
        stroke: s.color,
        width: 2,
        points: {
          show: s.points != null ? s.points : e.xs.length <= 60,
          size: 6,
          width: 1.5,
          fill: s.color,
        },
        value: (u, v) => (v == null ? "—" : fmt(v) + unit),
      };
      if (s.dash) opt.dash = s.dash.map((d) => d * pr());
      if (s.line === false) opt.paths = () => null;
      else if (s.connect === "given") opt.paths = (u) => givenPath(u, e);
      series.push(opt);
    }
    const axis = (label, log, isX) => {
      const a = {
        label,
        stroke: muted,
        font,
        labelFont,
        labelSize: 18,
        grid: { stroke: gridColor, width: 1 },
        ticks: { stroke: gridColor, width: 1, size: 4 },
        values: (u, splits) => splits.map((v) => fmtTick(v) + (!isX && spec.y.percent ? "%" : "")),
      };
      if (isX) {
        a.size = 40;
        a.space = 60;
      } else {
        a.size = (u, values) =>
          22 + 7.5 * Math.max(2, ...(values || []).map((v) => String(v).length));
        a.space = 32;
      }
      if (log) {
        a.splits = (u, ai, min, max) => logSplits(min, max);
        a.filter = (u, splits) => splits; // uPlot's default keeps only some labels of a log axis
      }
      return a;
    };
    const height = spec.height || 300;
    const opts = {
      width: Math.max(200, plotEl.clientWidth || 600),
      height,
      scales: {
        x: Object.assign({ time: false, range: () => xRange }, xlog ? { distr: 3, log: 10 } : {}),
        y: Object.assign({ range: () => yRange }, ylog ? { distr: 3, log: 10 } : {}),
      },
      series,
      axes: [axis(spec.x.label, xlog, true), axis(spec.y.label, ylog, false)],
      legend: { live: true },
      focus: { alpha: 0.35 },
      cursor: { drag: { x: false, y: false }, focus: { prox: 16 }, points: { size: 8 } },
      hooks: { draw: [(u) => drawExtras(u, spec, prepared)] },
    };
    const u = new uPlot(opts, aligned, plotEl);
    return { u, el: plotEl, height };
  }

  // Each chart is drawn on its own: one that fails says so in its place, the others are
  // drawn, and the failures are thrown together at the end (an error in the page's console).
  const charts = [];
  const failures = [];
  for (const spec of data.charts) {
    const el = document.getElementById(spec.id);
    if (!el) {
      failures.push("no container for chart " + spec.id);
      continue;
    }
    try {
      const c = makeChart(spec, el);
      if (c) charts.push(c);
    } catch (err) {
      el.querySelector(".plot").textContent = "This chart could not be drawn: " + err;
      failures.push("chart " + spec.id + ": " + ((err && err.stack) || err));
    }
  }
  let pending = false;
  const resize = () => {
    pending = false;
    for (const c of charts) {
      const w = Math.max(200, c.el.clientWidth);
      if (Math.abs(w - c.u.width) > 1) c.u.setSize({ width: w, height: c.height });
    }
  };
  if (typeof ResizeObserver === "function") {
    const ro = new ResizeObserver(() => {
      if (!pending) {
        pending = true;
        requestAnimationFrame(resize);
      }
    });
    for (const c of charts) ro.observe(c.el);
  }
  document.documentElement.dataset.chartsDrawn = String(charts.length);
  if (failures.length > 0) {
    throw new Error(
      "splleed report: " + failures.length + " chart(s) failed: " + failures.join("; "),
    );
  }
  return charts.length;
}
