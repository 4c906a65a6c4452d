using System.Diagnostics;
using System.Net;
using System.Text;
using Confluent.Kafka;
using Coupon.Testing;
using Coupon.Bench.Baseline;
using Coupon.Bench.Load;
using Coupon.Bench.Measuring;
using Coupon.Bench.Reporting;
using Coupon.Bench.Stack;
using Coupon.Core.Messaging;

namespace Coupon.Bench.Steps;

// The benchmark's steps in order, each warmed up, measured, and checked in MySQL:
// baseline, issue, sold-out, accept-to-row, persist, then the origin's strategies on the
// comparison server (the api's working set is read before them, as it was when they ran in it),
// then the draw (BenchRun.Draw.cs).
public sealed partial class BenchRun(BenchOptions options, IBenchStack stack, UserPool users, TextWriter log)
{
    private static readonly int[] Accepted = [202];
    private static readonly int[] Rejected = [409];
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly Invariants _invariants = new(stack.MySqlConnectionString);

    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var machine = MachineInfo.Read();
        var steps = new List<StepResult>();
        AcceptToRowResult? acceptToRow = null;
        PersistResult? persist = null;

        await stack.ReadyAsync(cancellationToken);
        if (options.Runs("baseline"))
            steps.Add(await BaselineAsync(cancellationToken));
        if (options.Runs("issue"))
            steps.Add(await IssueAsync(cancellationToken));
        if (options.Runs("sold-out"))
            steps.Add(await SoldOutAsync(cancellationToken));
        if (options.Runs("accept-to-row"))
            acceptToRow = await AcceptToRowAsync(cancellationToken);
        if (options.Runs("persist"))
            persist = await PersistAsync(cancellationToken);

        var apiPeak = Process.GetProcessById(stack.Processes["api"]).PeakWorkingSet64;

        foreach (var strategy in LockStrategyServer.Strategies.Where(options.Runs))
            steps.Add(await StrategyAsync(strategy, cancellationToken));

        var draw = options.Runs("draw") ? await DrawAsync(cancellationToken) : null;

        return new BenchReport(startedAt, clock.Elapsed, machine, options, stack.Telemetry, steps, acceptToRow, persist, draw, apiPeak);
    }

    private async Task<StepResult> BaselineAsync(CancellationToken cancellationToken)
    {
        await using var server = await BaselineProcess.StartAsync(cancellationToken);
        var plan = Plan("baseline", server.Address, campaignId: 1, Accepted) with { WrapUsers = true };
        await RunAsync(plan with { Name = "baseline warm-up", Duration = options.Warmup }, cancellationToken);
        var (result, cores) = await MeasureAsync(plan, cancellationToken, ("baseline", server.ProcessId));
        var step = Report(new StepResult("baseline", "bare Kestrel, same route and answer, nothing behind it", result, cores, null));

        var wrk = await WrkCrossCheck.RunAsync(server.Address, plan.Path, Encoding.ASCII.GetString(users.TokenAt(0)),
            options.Connections, options.Duration, cancellationToken);
        if (wrk is not null)
            Log($"baseline with wrk -t2 -c{options.Connections}: {wrk.RequestsPerSecond:N0} req/s, p50 {Ms(wrk.P50Microseconds)} p99 {Ms(wrk.P99Microseconds)}");
        return step with { Wrk = wrk };
    }

    private async Task<StepResult> IssueAsync(CancellationToken cancellationToken)
    {
        var campaign = await Campaigns.CreateAsync("bench: issue path", BenchCampaigns.Huge, cancellationToken);
        return await IssueStepAsync("issue", "Lua + Kafka issue path, a campaign too large to sell out", campaign, stack.ApiAddress, cancellationToken);
    }

    private async Task<StepResult> SoldOutAsync(CancellationToken cancellationToken)
    {
        var campaign = await Campaigns.CreateAsync("bench: sold out", options.SoldOutQuantity, cancellationToken);
        var plan = Plan("sold-out", stack.ApiAddress, campaign, Rejected) with { WrapUsers = true };
        // Sell it out first, however long that takes on this machine; the warm-up and the measured
        // run then only meet sold-out answers.
        var sellOut = await RunAsync(plan with
        {
            Name = "sold-out selling",
            Duration = options.DrainTimeout,
            MaxRequests = options.SoldOutQuantity,
            ExpectedStatuses = Accepted.ToHashSet(),
        }, cancellationToken);
        var warmup = await RunAsync(plan with
        {
            Name = "sold-out warm-up",
            Duration = options.Warmup,
            FirstUser = (int)(sellOut.UsersTaken % users.Count),
        }, cancellationToken);
        var (result, cores) = await MeasureAsync(
            plan with { FirstUser = (int)((sellOut.UsersTaken + warmup.UsersTaken) % users.Count) }, cancellationToken);
        var invariants = await CheckAsync(campaign, [sellOut, warmup, result], cancellationToken);
        if (invariants.Rows != options.SoldOutQuantity)
            invariants = invariants with { Violations = [.. invariants.Violations, $"sold out with {invariants.Rows} rows, not {options.SoldOutQuantity}"] };
        return Report(new StepResult("sold-out", $"every request rejected (campaign of {options.SoldOutQuantity:N0}, sold out before the warm-up)",
            result, cores, invariants));
    }

    private async Task<StepResult> StrategyAsync(string strategy, CancellationToken cancellationToken)
    {
        Log($"Starting the comparison server with {strategy} ...");
        var server = await stack.UseLockStrategyAsync(strategy, cancellationToken);
        var campaign = await Campaigns.CreateAsync($"bench: {strategy}", BenchCampaigns.Huge, cancellationToken);
        var description = strategy == LockStrategyServer.MySqlLock
            ? "origin's MySQL pessimistic lock (SELECT ... FOR UPDATE, check, insert, one transaction)"
            : "origin's Redis distributed lock (SET NX PX, check, add, unlock) + Kafka";
        return await IssueStepAsync(strategy, description, campaign, server, cancellationToken);
    }

    private async Task<StepResult> IssueStepAsync(string name, string description, long campaign, Uri server, CancellationToken cancellationToken)
    {
        var plan = Plan(name, server, campaign, Accepted);
        var warmup = await RunAsync(plan with { Name = $"{name} warm-up", Duration = options.Warmup }, cancellationToken);
        var (result, cores) = await MeasureAsync(plan with { FirstUser = (int)warmup.UsersTaken }, cancellationToken);
        var invariants = await CheckAsync(campaign, [warmup, result], cancellationToken);
        return Report(new StepResult(name, description, result, cores, invariants));
    }

    private async Task<AcceptToRowResult> AcceptToRowAsync(CancellationToken cancellationToken)
    {
        var campaign = await Campaigns.CreateAsync("bench: accept-to-row", BenchCampaigns.Huge, cancellationToken);
        var plan = Plan("accept-to-row", stack.ApiAddress, campaign, Accepted) with { TargetRate = options.SteadyRate };
        var warmup = await RunAsync(plan with { Name = "accept-to-row warm-up", Duration = options.Warmup }, cancellationToken);

        LoadResult result;
        IReadOnlyDictionary<string, double> cores;
        InvariantReport invariants;
        var latency = new LatencyHistogram();
        long neverSeen = 0;
        await using (var poller = new RowPoller(stack.MySqlConnectionString, campaign, PollInterval))
        {
            (result, cores) = await MeasureAsync(plan with { FirstUser = (int)warmup.UsersTaken }, cancellationToken);
            // Checking waits for the drain, while the poller still watches the last rows arrive.
            invariants = await CheckAsync(campaign, [warmup, result], cancellationToken);
            await Task.Delay(PollInterval * 3, cancellationToken);
            await poller.StopAsync();
            foreach (var accepted in result.Accepted)
            {
                if (poller.SeenAt(accepted.UserId) is { } seenAt)
                    latency.RecordTicks(seenAt - accepted.AnsweredAt);
                else
                    neverSeen++;
            }
        }
        Log($"accept-to-row at {result.RequestsPerSecond:N0} req/s (target {options.SteadyRate:N0}): " +
            $"p50 {Ms(latency.Percentile(50))} p99 {Ms(latency.Percentile(99))} max {Ms(latency.MaxMicroseconds)}; invariants {invariants.Summary}");
        return new AcceptToRowResult(options.SteadyRate, result, latency, neverSeen, PollInterval, cores, invariants);
    }

    private async Task<PersistResult> PersistAsync(CancellationToken cancellationToken)
    {
        var campaign = await Campaigns.CreateAsync("bench: worker persist", null, cancellationToken);
        var events = Math.Min(options.PersistEvents, users.Count);
        var config = new ProducerConfig
        {
            BootstrapServers = stack.KafkaBootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 5,
            QueueBufferingMaxMessages = events + 1,
        };
        using var producer = new ProducerBuilder<string, byte[]>(config).Build();
        var watch = Watch();
        var before = watch.Sample();
        var clock = Stopwatch.StartNew();
        var acceptedAt = DateTimeOffset.UtcNow;
        long failed = 0;
        for (var i = 0; i < events; i++)
        {
            var issued = new CouponIssuedEvent(campaign, users.UserIdAt(i), acceptedAt);
            producer.Produce(CouponTopics.Issued, new Message<string, byte[]> { Value = issued.ToJson() },
                report => { if (report.Error.IsError) Interlocked.Increment(ref failed); });
        }
        producer.Flush(options.DrainTimeout);
        var produceTime = clock.Elapsed;
        if (Interlocked.Read(ref failed) > 0)
            throw new InvalidOperationException($"{failed} of {events} events could not be put into Kafka.");

        await _invariants.WaitForRowsAsync(campaign, events, options.DrainTimeout, cancellationToken);
        var elapsed = clock.Elapsed;
        var cores = CpuSample.CoresBetween(before, watch.Sample());
        var all = Enumerable.Range(0, events).Select(users.UserIdAt).ToArray();
        var invariants = await _invariants.CheckAsync(campaign, all, refused: _ => true, options.DrainTimeout, cancellationToken);
        var persisted = new PersistResult(events, produceTime, elapsed, cores, invariants);
        Log($"persist: {events:N0} events produced in {produceTime.TotalSeconds:F2} s, all rows after " +
            $"{elapsed.TotalSeconds:F2} s = {persisted.RowsPerSecond:N0} rows/s; invariants {invariants.Summary}");
        return persisted;
    }

    private BenchCampaigns Campaigns => new(stack.ApiAddress, stack.Signing);

    private LoadPlan Plan(string name, Uri target, long campaignId, int[] expected) => new(
        name,
        new IPEndPoint(IPAddress.Parse(target.Host), target.Port),
        $"/api/coupons/{campaignId}/issue",
        users,
        options.Connections,
        options.Duration,
        ExpectedStatuses: expected.ToHashSet());

    private async Task<LoadResult> RunAsync(LoadPlan plan, CancellationToken cancellationToken)
    {
        var result = await LoadGenerator.RunAsync(plan, ShowProgress, cancellationToken);
        log.WriteLine();
        return result;
    }

    private async Task<(LoadResult Result, IReadOnlyDictionary<string, double> Cores)> MeasureAsync(
        LoadPlan plan, CancellationToken cancellationToken, params (string Name, int Pid)[] extra)
    {
        var watch = Watch(extra);
        var before = watch.Sample();
        var result = await RunAsync(plan, cancellationToken);
        return (result, CpuSample.CoresBetween(before, watch.Sample()));
    }

    private ProcessWatch Watch(params (string Name, int Pid)[] extra)
    {
        var watch = new ProcessWatch();
        watch.Watch("bench", Environment.ProcessId);
        watch.WatchOwnThreads("kafka", ProcessWatch.EmbeddedKafkaThread);
        foreach (var dcp in ProcessTree.DcpOf(Environment.ProcessId))
            watch.Watch("dcp", dcp);
        foreach (var (name, pid) in stack.Processes.Select(p => (p.Key, p.Value)).Concat(extra))
            watch.Watch(name, pid);
        return watch;
    }

    // Every request of the runs was answered 202 (accepted), answered otherwise (refused) or not
    // answered at all (may have gone either way).
    private Task<InvariantReport> CheckAsync(long campaign, LoadResult[] runs, CancellationToken cancellationToken)
    {
        var unknown = runs.SelectMany(r => r.UnknownOutcome).ToHashSet();
        return _invariants.CheckAsync(campaign, [.. runs.SelectMany(r => r.Accepted).Select(a => a.UserId)], user => !unknown.Contains(user),
            options.DrainTimeout, cancellationToken);
    }

    private StepResult Report(StepResult step)
    {
        var load = step.Load;
        Log($"{step.Name}: {load.RequestsPerSecond:N0} req/s, p50 {Ms(load.Latency.Percentile(50))} " +
            $"p99 {Ms(load.Latency.Percentile(99))} max {Ms(load.Latency.MaxMicroseconds)}, errors {load.Errors:N0}; " +
            $"load generator {load.GeneratorCores:F2} cores; invariants {step.Invariants?.Summary ?? "n/a"}");
        return step;
    }

    private void Log(string line) => log.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

    private void ShowProgress(LoadProgress progress) =>
        log.Write($"\r  {progress.Name,-24} {progress.Elapsed.TotalSeconds,5:F1} s {progress.RequestsPerSecond,9:N0} req/s " +
            $"{progress.Requests,11:N0} requests {progress.Errors,7:N0} errors   ");

    internal static string Ms(long microseconds) => $"{microseconds / 1000.0:F2} ms";
}
