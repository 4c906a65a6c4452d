using Coupon.Bench.Steps;

namespace Coupon.Bench.Reporting;

public sealed record BenchReport(
    DateTimeOffset StartedAt,
    TimeSpan Took,
    MachineInfo Machine,
    BenchOptions Options,
    IReadOnlyList<StepResult> Steps,
    AcceptToRowResult? AcceptToRow,
    PersistResult? Persist,
    long ApiPeakWorkingSet)
{
    public StepResult? Step(string name) => Steps.FirstOrDefault(s => s.Name == name);

    // Requests per second relative to the baseline step, when both ran.
    public double? RatioToBaseline(StepResult step) =>
        Step("baseline") is { Load.RequestsPerSecond: > 0 } baseline
            ? step.Load.RequestsPerSecond / baseline.Load.RequestsPerSecond
            : null;

    public bool InvariantsHold =>
        Steps.All(s => s.Invariants?.Holds ?? true)
        && (AcceptToRow?.Invariants.Holds ?? true)
        && (Persist?.Invariants.Holds ?? true);
}
