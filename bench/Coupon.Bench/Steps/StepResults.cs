using Coupon.Testing;
using Coupon.Bench.Baseline;
using Coupon.Bench.Load;

namespace Coupon.Bench.Steps;

// One measured load step: what the load generator saw, the CPU each process used (in cores),
// and the invariants read from MySQL afterwards (none for the baseline, which has no data).
// Wrk is the same step measured with wrk, for the baseline when wrk is installed.
public sealed record StepResult(
    string Name,
    string Description,
    LoadResult Load,
    IReadOnlyDictionary<string, double> Cores,
    InvariantReport? Invariants)
{
    public WrkResult? Wrk { get; init; }

    // A process's cores, or the sum over its replicas (api, api#2, ...).
    public double CoresOf(string process) =>
        Cores.Where(core => core.Key == process || core.Key.StartsWith(process + "#", StringComparison.Ordinal)).Sum(core => core.Value);

    // The CPU these processes (replicas included) spent per request of the step, in µs.
    public double CpuMicrosecondsPerRequest(params string[] processes) =>
        processes.Sum(CoresOf) * 1_000_000 / Math.Max(Load.RequestsPerSecond, 1e-9);
}

// N events put into Kafka directly; how long until the worker had all of them in MySQL.
public sealed record PersistResult(
    int Events,
    TimeSpan ProduceTime,
    TimeSpan Elapsed,
    IReadOnlyDictionary<string, double> Cores,
    InvariantReport Invariants)
{
    public double RowsPerSecond => Elapsed.TotalSeconds > 0 ? Invariants.Rows / Elapsed.TotalSeconds : 0;
}

// A paced load at a target rate, and for every 202 the time until its row was visible in MySQL
// (seen by polling every PollInterval, so each value is late by at most about that much).
public sealed record AcceptToRowResult(
    double TargetRate,
    LoadResult Load,
    LatencyHistogram AcceptToRow,
    long NeverSeen,
    TimeSpan PollInterval,
    IReadOnlyDictionary<string, double> Cores,
    InvariantReport Invariants);

// The draw step: entries into a draw campaign for the measured duration (Entries, with the CPU
// each process used), then the draw of that campaign and of one that Entrants users entered
// (Filling) as fast as the load generator goes.
public sealed record DrawResult(
    LoadResult Entries,
    IReadOnlyDictionary<string, double> Cores,
    MeasuredDraw EntriesDraw,
    LoadResult Filling,
    MeasuredDraw Draw)
{
    public double EntriesPerSecond => EntriesPerSecondOf(Entries);

    public double FillingPerSecond => EntriesPerSecondOf(Filling);

    // Entries accepted (202 entered) per second of the run.
    public static double EntriesPerSecondOf(LoadResult run) =>
        run.Elapsed.TotalSeconds > 0 ? run.StatusCount(202) / run.Elapsed.TotalSeconds : 0;
}

// One draw as the bench saw it. WorkerTime is the worker's own draw transaction (its log line),
// null when the line was not found; the other two run from the window's end, through the
// worker's grace and the group's drain, to the draw's time stamp and to the public view's seed.
public sealed record MeasuredDraw(
    long CampaignId,
    int WindowSeconds,
    int Quantity,
    long Entrants,
    int Winners,
    TimeSpan? WorkerTime,
    TimeSpan WindowEndToDrawn,
    TimeSpan WindowEndToSeed,
    InvariantReport Invariants);
