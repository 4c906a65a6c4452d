using Coupon.Testing;
using Coupon.Bench.Steps;

namespace Coupon.Bench.Reporting;

public sealed record BenchReport(
    DateTimeOffset StartedAt,
    TimeSpan Took,
    MachineInfo Machine,
    BenchOptions Options,
    string Telemetry,
    IReadOnlyList<StepResult> Steps,
    AcceptToRowResult? AcceptToRow,
    PersistResult? Persist,
    DrawResult? Draw,
    long ApiPeakWorkingSet)
{
    public StepResult? Step(string name) => Steps.FirstOrDefault(s => s.Name == name);

    // Requests per second relative to the baseline step, when both ran.
    public double? RatioToBaseline(StepResult step) =>
        Step("baseline") is { Load.RequestsPerSecond: > 0 } baseline
            ? step.Load.RequestsPerSecond / baseline.Load.RequestsPerSecond
            : null;

    // The same against the baseline as wrk measured it, when wrk ran: the stricter ratio when the
    // bench's own load generator could not push the baseline as far as wrk did.
    public double? RatioToWrkBaseline(StepResult step) =>
        Step("baseline") is { Wrk.RequestsPerSecond: > 0 } baseline
            ? step.Load.RequestsPerSecond / baseline.Wrk.RequestsPerSecond
            : null;

    public bool InvariantsHold =>
        Steps.All(s => s.Invariants?.Holds ?? true)
        && (AcceptToRow?.Invariants.Holds ?? true)
        && (Persist?.Invariants.Holds ?? true)
        && (Draw is null || (Draw.EntriesDraw.Invariants.Holds && Draw.Draw.Invariants.Holds));
}
