package bench

import "html/template"

// pageTemplate is the HTML report. Styles are inline and fonts are the
// system's, so the page needs nothing but itself.
var pageTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  margin: 2rem auto;
  max-width: 1320px;
  padding: 0 1rem;
  color: #222;
  line-height: 1.45;
}
h1 { font-size: 1.6rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.05rem; }
.wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td {
  padding: 3px 8px; border-bottom: 1px solid #e3e3e3; text-align: right; white-space: nowrap;
}
th { background: #f4f4f4; }
th:nth-child(-n+3), td:nth-child(-n+3), th:last-child, td:last-child { text-align: left; }
pre { background: #f6f6f6; padding: 8px 10px; overflow-x: auto; font-size: 13px; }
.charts { display: flex; flex-wrap: wrap; gap: 14px; }
.charts svg { max-width: 100%; height: auto; border: 1px solid #eee; font-family: inherit; }
.note { color: #555; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{if .Generated}}<p class="note">Generated {{.Generated}}.</p>{{end}}
{{if .Notes}}<ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{range .Sections}}
<h2>Workload: {{.Workload}}</h2>
<div class="wrap"><table>
<thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</tbody>
</table></div>
{{if .Ranking}}<h3>Ranking (best first)</h3>
<pre>{{.Ranking}}</pre>{{end}}
<h3>Charts</h3>
<div class="charts">
{{range .Charts}}{{.}}
{{end}}</div>
{{end}}
<h2>How to read this report</h2>
<ul>
<li><b>Percentiles.</b> p50 is the median: half the successful requests took at most that long. p99
is the latency that 99 requests in 100 did not exceed; one in a hundred was slower. Each value is a
latency some request really had (nearest rank over all samples, no estimate). The tail (p95, p99,
max) is what users of a busy service feel: a page that waits for ten requests has at least one
slower than p90 about two times in three.</li>
<li><b>Latency by percentile.</b> Each line shows, for one {{if .MCP}}server{{else}}provider{{end}},
how long requests took (up) against the share of requests that were at least that fast (across). The
axis stretches toward the tail: the step from 90% to 99% is as wide as from 0% to 90%. A flat line
is a predictable service; a line that shoots up at the right has a slow tail.</li>
<li><b>Latency counts from the intended start.</b> In an open loop (a fixed arrival rate,
<code>--rate</code>) requests are due on a schedule whether or not earlier ones have finished, and a
request that had to wait for a free worker counts its wait. A closed loop (the default: each worker
sends its next request when the previous one ends) sends less when the server slows down, so a stall
hides the queue it would cause for real users; the open loop shows it.</li>
<li><b>Throughput</b> is successful requests per second over the whole run. In a closed loop it is
about concurrency divided by mean latency; where it stops rising with concurrency, the
{{if .MCP}}server{{else}}provider{{end}} (or a rate limit) is saturated.</li>
<li><b>ok</b> is the share of requests that succeeded. Failures are counted by kind (429, 5xx, 4xx,
timeout, connection, invalid_tool_call: a tool call that names no offered tool or whose arguments
fail the tool's schema; tool_error, rpc_error for MCP) and left out of the latency figures.
<b>retries</b> counts attempts after the first, which the client sends after 429s, 5xx and
connection errors.</li>
<li><b>ttft</b> is the median time to first token of streamed replies: the first chunk that carries
text, reasoning or a tool call.</li>
</ul>
</body>
</html>
`))
