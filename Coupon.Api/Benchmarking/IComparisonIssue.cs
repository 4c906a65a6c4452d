namespace Coupon.Api.Benchmarking;

// One way of deciding an issue request.
internal interface IComparisonIssue
{
    Task<ComparisonOutcome> IssueAsync(long campaignId, long userId, CancellationToken cancellationToken);
}

// Problem is null when the coupon was issued (at AcceptedAt), else the problem code.
internal readonly record struct ComparisonOutcome(string? Problem, DateTimeOffset AcceptedAt)
{
    public static ComparisonOutcome Issued(DateTimeOffset at) => new(null, at);

    public static implicit operator ComparisonOutcome(string problem) => new(problem, default);
}
