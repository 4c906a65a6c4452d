namespace Coupon.Bench.LockStrategies;

// One way of deciding an issue request.
internal interface IComparisonIssue
{
    Task<ComparisonOutcome> IssueAsync(long campaignId, long userId, CancellationToken cancellationToken);

    // The window rule both strategies check before their lock: not open yet, closed, or null.
    static string? OutsideWindow(DateTimeOffset now, DateTime issueStart, DateTime issueEnd) =>
        now.UtcDateTime < issueStart ? Core.Contracts.ProblemCodes.NotOpenYet
        : now.UtcDateTime >= issueEnd ? Core.Contracts.ProblemCodes.Closed
        : null;
}

// Problem is null when the coupon was issued (at AcceptedAt), else the problem code.
internal readonly record struct ComparisonOutcome(string? Problem, DateTimeOffset AcceptedAt)
{
    public static ComparisonOutcome Issued(DateTimeOffset at) => new(null, at);

    public static implicit operator ComparisonOutcome(string problem) => new(problem, default);
}
