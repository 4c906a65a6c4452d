using System.Globalization;
using System.Text;
using Coupon.Testing;
using Coupon.Bench.Load;
using Coupon.Bench.Measuring;
using Coupon.Bench.Stack;
using Coupon.Bench.Steps;

namespace Coupon.Bench.Reporting;

// bench/RESULTS.md: what ran where, the numbers, the CPU each process used, and the targets.
public static class MarkdownReport
{
    private static readonly string[] CpuColumns = ["bench", "server", "redis", "kafka", "worker", "mysql", "dcp", "other"];

    public static string Write(BenchReport report, string command, string chartFile)
    {
        var md = new StringBuilder();
        var machine = report.Machine;
        md.AppendLine("# Coupon benchmark results").AppendLine();
        md.AppendLine(Invariant($"Run on {report.StartedAt:yyyy-MM-dd HH:mm} UTC, {report.Took.TotalMinutes:F1} minutes, with:")).AppendLine();
        md.AppendLine("```").AppendLine(command).AppendLine("```").AppendLine();
        md.AppendLine(Invariant($"- Machine: {machine.Cores} cores (`nproc`), {machine.CpuModel}, {machine.MemoryBytes / 1024.0 / 1024 / 1024:F1} GiB memory, {machine.Runtime}"));
        md.AppendLine(Invariant($"- Load average when the run started: {machine.LoadAverage}; {Busy(report)}"));
        md.AppendLine(Invariant($"- Load: {report.Options.Connections} keep-alive connections from the bench's own raw-socket load generator on the same machine, {report.Options.Warmup.TotalSeconds:F0} s warm-up then {report.Options.Duration.TotalSeconds:F0} s measured per step, every issue request from a distinct user with its own JWT."));
        md.AppendLine($"- Stack: the AppHost's (Aspire, started in the bench's process), api and worker built in Release and run in Production; the api loaded {(report.Options.LoadsThroughProxy ? "through DCP's proxy (the address the AppHost publishes)" : "on its own port, not through DCP's proxy")}" +
            (report.Options.ApiEnvironment.Count == 0 ? "." : $"; the api's extra environment: {string.Join(", ", report.Options.ApiEnvironment.Select(v => $"`{v.Key}={v.Value}`"))}."));
        md.AppendLine($"- Telemetry: {report.Telemetry}.");
        md.AppendLine("- Every figure is a ratio to the baseline measured in this same run: absolute numbers on a shared 2-core machine drift.");
        md.AppendLine().AppendLine($"![requests per second and latency per step]({chartFile})").AppendLine();

        md.AppendLine("## Requests per second and latency").AppendLine();
        md.AppendLine("| step | what | requests/s | vs baseline | vs wrk's baseline | p50 | p99 | max | requests | errors | answers | invariants |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
        foreach (var step in report.Steps)
        {
            var load = step.Load;
            md.AppendLine(Invariant($"| {step.Name} | {step.Description} | {load.RequestsPerSecond:N0} | {Ratio(report.RatioToBaseline(step))} | {Ratio(report.RatioToWrkBaseline(step))} | {Ms(load.Latency.Percentile(50))} | {Ms(load.Latency.Percentile(99))} | {Ms(load.Latency.MaxMicroseconds)} | {load.Requests:N0} | {load.Errors:N0} | {Statuses(load)} | {step.Invariants?.Summary ?? "n/a (no data)"} |"));
        }

        if (report.Step("baseline") is { Wrk: { } wrk } baselineStep)
        {
            md.AppendLine().AppendLine(Invariant($"Cross-check of the load generator: the same baseline server driven by `wrk -t2 -c{report.Options.Connections}` (C, event loop) gave **{wrk.RequestsPerSecond:N0} requests/s** (p50 {Ms(wrk.P50Microseconds)}, p99 {Ms(wrk.P99Microseconds)}) against {baselineStep.Load.RequestsPerSecond:N0}/s with the bench's own generator ({wrk.RequestsPerSecond / Math.Max(baselineStep.Load.RequestsPerSecond, 1e-9):P0})."));
        }

        md.AppendLine().AppendLine("## CPU used per step, in cores (the machine has " + machine.Cores + ")").AppendLine();
        md.AppendLine("`bench` is the load generator's process (its share shows it is not the bottleneck; the AppHost runs in it too, and its embedded Kafka's broker thread is counted as `kafka`), `server` the process that serves the step (the baseline server, the api, the comparison server for the origin's strategies, or for persist the worker), `dcp` Aspire's orchestrator and its proxies, `dashboard` (with telemetry on) the Aspire dashboard the projects export to, `other` everything on the machine outside the benchmark. The last two columns divide CPU time by requests: they depend less on how busy the machine was than requests/s do.").AppendLine();
        var rows = CpuRows(report).ToList();
        string[] columns = rows.Any(r => r.Cores.ContainsKey(AppHostBenchStack.DashboardProcess)) ? [.. CpuColumns[..^2], AppHostBenchStack.DashboardProcess, .. CpuColumns[^2..]] : CpuColumns;
        md.AppendLine("| step | " + string.Join(" | ", columns) + " | server CPU per request | bench CPU per request |");
        md.AppendLine("| --- |" + string.Concat(columns.Select(_ => " ---: |")) + " ---: | ---: |");
        foreach (var (name, cores, rate) in rows)
        {
            md.AppendLine($"| {name} | " + string.Join(" | ", columns.Select(c => Invariant($"{cores.GetValueOrDefault(c):F2}")))
                + $" | {PerRequest(cores["server"], rate)} | {PerRequest(cores.GetValueOrDefault("bench"), rate)} |");
        }

        if (report.Step("issue") is { } lua && (report.Step("mysql-lock") ?? report.Step("redis-lock")) is not null)
        {
            md.AppendLine().AppendLine("## The origin project's strategies, same load").AppendLine();
            md.AppendLine("The origin measured Lua over its Redis lock at 5.4x the requests/s and 26.7x lower mean latency.").AppendLine();
            md.AppendLine("| strategy | requests/s | mean latency | p99 | Lua + Kafka is ... faster (req/s) | ... lower mean latency |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var step in new[] { report.Step("mysql-lock"), report.Step("redis-lock"), lua }.OfType<StepResult>())
            {
                var load = step.Load;
                var faster = lua.Load.RequestsPerSecond / Math.Max(load.RequestsPerSecond, 1e-9);
                var lower = load.Latency.MeanMicroseconds() / Math.Max(lua.Load.Latency.MeanMicroseconds(), 1e-9);
                var name = step == lua ? "Lua + Kafka (the issue step)" : step.Name;
                md.AppendLine(Invariant($"| {name} | {load.RequestsPerSecond:N0} | {load.Latency.MeanMicroseconds() / 1000:F2} ms | {Ms(load.Latency.Percentile(99))} | {faster:F1}x | {lower:F1}x |"));
            }
        }

        if (report.Persist is { } persist)
        {
            md.AppendLine().AppendLine("## Worker persist rate").AppendLine();
            md.AppendLine(Invariant($"{persist.Events:N0} events put into `coupon-issued` directly (produced in {persist.ProduceTime.TotalSeconds:F2} s); every row was in MySQL {persist.Elapsed.TotalSeconds:F2} s after the first was produced: **{persist.RowsPerSecond:N0} rows/s**. Invariants: {persist.Invariants.Summary}."));
        }
        if (report.AcceptToRow is { } steady)
        {
            md.AppendLine().AppendLine("## Accept-to-row latency under a steady load").AppendLine();
            md.AppendLine(Invariant($"Paced at {steady.TargetRate:N0} requests/s (reached {steady.Load.RequestsPerSecond:N0}/s, request p99 {Ms(steady.Load.Latency.Percentile(99))}): from each 202 to its row being visible in MySQL, polled every {steady.PollInterval.TotalMilliseconds:F0} ms, **p50 {Ms(steady.AcceptToRow.Percentile(50))}, p99 {Ms(steady.AcceptToRow.Percentile(99))}, max {Ms(steady.AcceptToRow.MaxMicroseconds)}** over {steady.AcceptToRow.Count:N0} accepted requests ({steady.NeverSeen:N0} never seen). Invariants: {steady.Invariants.Summary}."));
        }

        if (report.Draw is { } draw)
            WriteDraw(md, draw, report.Options.Connections);

        md.AppendLine().AppendLine("## Targets (issues 5, 11 and 18)").AppendLine();
        md.AppendLine(Invariant($"Api peak working set (VmHWM) over the issue, sold-out, accept-to-row and persist steps: {report.ApiPeakWorkingSet / 1024.0 / 1024:F0} MB.")).AppendLine();
        md.AppendLine("| target | measured | met |");
        md.AppendLine("| --- | --- | --- |");
        foreach (var check in Targets.Evaluate(report))
            md.AppendLine($"| {check.Target} | {check.Measured} | {check.Met switch { true => "yes", false => "**no**", null => "-" }} |");
        return md.ToString();
    }

    // Each step's cores, with the process that serves it as "server" and the rest of the machine
    // as "other"; Rate is the step's requests (or, for persist, rows) per second.
    internal static IEnumerable<(string Name, Dictionary<string, double> Cores, double Rate)> CpuRows(BenchReport report)
    {
        var rows = report.Steps.Select(s => (s.Name, s.Cores, s.Load.RequestsPerSecond, Server: ServerOf(s.Name))).ToList();
        if (report.AcceptToRow is { } steady)
            rows.Add(("accept-to-row", steady.Cores, steady.Load.RequestsPerSecond, "api"));
        if (report.Persist is { } persist)
            rows.Add(("persist", persist.Cores, persist.RowsPerSecond, "worker"));
        if (report.Draw is { } draw)
            rows.Add(("draw", draw.Cores, draw.EntriesPerSecond, "api"));
        foreach (var (name, cores, rate, server) in rows)
        {
            var row = new Dictionary<string, double>(cores);
            row["server"] = cores.GetValueOrDefault(server);
            var ours = cores.Where(c => c.Key != ProcessWatch.MachineName).Sum(c => c.Value);
            row["other"] = Math.Max(0, cores.GetValueOrDefault(ProcessWatch.MachineName) - ours);
            yield return (name, row, rate);
        }
    }

    private static void WriteDraw(StringBuilder md, DrawResult draw, int connections)
    {
        var entries = draw.Entries;
        md.AppendLine().AppendLine("## Draw").AppendLine();
        md.AppendLine(Invariant($"New users entering a draw campaign (quantity {draw.EntriesDraw.Quantity:N0}, a {draw.EntriesDraw.WindowSeconds} s window) on {connections} connections, after the same warm-up: **{draw.EntriesPerSecond:N0} entries/s** (`202 entered`), p50 {Ms(entries.Latency.Percentile(50))}, p99 {Ms(entries.Latency.Percentile(99))}, max {Ms(entries.Latency.MaxMicroseconds)}, answers {Statuses(entries)}; api CPU per entry {PerRequest(draw.Cores.GetValueOrDefault("api"), draw.EntriesPerSecond)} (the `draw` row of the CPU table)."));
        md.AppendLine();
        md.AppendLine(Invariant($"Then {draw.Filling.StatusCount(202):N0} users entered a second draw campaign as fast as the load generator went ({draw.FillingPerSecond:N0} entries/s over {draw.Filling.Elapsed.TotalSeconds:F1} s, answers {Statuses(draw.Filling)}). Each draw was waited for in the public view (`GET /api/coupons/{{id}}`, polled every 50 ms). The worker's draw transaction is the time of its log line `Made the draw of campaign …`; the times from the window's end include the worker's grace (`Worker:DrawGrace`, 5 s), its round (1 s) and the consumer group's drain; drawn is the draw's own time stamp (`drawnAt`)."));
        md.AppendLine();
        md.AppendLine("| draw | window | quantity | entrants | winners | the worker's draw transaction | window end → drawn | window end → seed in public | invariants (entries = 202s, rows = the seed's winners) |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var (name, made) in new[] { ("the entries' campaign", draw.EntriesDraw), ("the second campaign", draw.Draw) })
        {
            var worker = made.WorkerTime is { } time ? Invariant($"**{time.TotalMilliseconds:N0} ms**") : "not in the worker's log";
            md.AppendLine(Invariant($"| {name} | {made.WindowSeconds} s | {made.Quantity:N0} | {made.Entrants:N0} | {made.Winners:N0} | {worker} | {made.WindowEndToDrawn.TotalSeconds:F2} s | **{made.WindowEndToSeed.TotalSeconds:F2} s** | {made.Invariants.Summary} |"));
        }
    }

    private static string ServerOf(string step) =>
        step == "baseline" ? "baseline" : LockStrategyServer.Strategies.Contains(step) ? LockStrategyServer.ResourceName : "api";

    private static string Busy(BenchReport report)
    {
        var other = CpuRows(report).Select(r => r.Cores["other"]).DefaultIfEmpty(0).Max();
        return other > 0.2
            ? Invariant($"**the machine was busy**: processes outside the benchmark used up to {other:F2} cores during a step, so these numbers are lower than on a quiet machine.")
            : Invariant($"the machine was otherwise quiet (at most {other:F2} cores used outside the benchmark during a step).");
    }

    private static string Statuses(LoadResult load) =>
        string.Join(", ", load.Statuses.OrderBy(s => s.Key).Select(s => Invariant($"{s.Key}: {s.Value:N0}")))
        + (load.SocketErrors > 0 ? Invariant($", socket errors: {load.SocketErrors:N0}") : "");

    private static string PerRequest(double cores, double rate) =>
        rate > 0 ? Invariant($"{cores / rate * 1_000_000:F0} µs") : "-";

    private static string Ratio(double? ratio) => ratio is { } r ? Invariant($"{r:P0}") : "-";

    private static string Ms(long microseconds) => Invariant($"{microseconds / 1000.0:F2} ms");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
