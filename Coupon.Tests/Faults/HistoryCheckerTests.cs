namespace Coupon.Tests.Faults;

// The checker finds each kind of violation, and none in a history that keeps the contract.
public sealed class HistoryCheckerTests
{
    private const long Coupon = 7;

    private static readonly IssueAnswer Accepted = new(202, null, false, null);
    private static readonly IssueAnswer AlreadyIssued = new(409, "already-issued", false, null);
    private static readonly IssueAnswer Unavailable = new(503, "unavailable", true, null);
    private static readonly IssueAnswer TimedOut = IssueAnswer.NoAnswer(new TaskCanceledException());
    private static readonly IssueAnswer OutcomeUnknown = new(504, IssueAnswer.OutcomeUnknown, false, null);

    [Fact]
    public void A_history_that_keeps_the_contract_has_no_violation()
    {
        IssueRequest[] history =
        [
            Request(1, Accepted), Request(1, AlreadyIssued),
            Request(2, Unavailable), Request(2, Accepted),
            // Indeterminate either way: one became a row, one did not.
            Request(3, TimedOut), Request(4, OutcomeUnknown), Request(4, AlreadyIssued),
            Request(5, Unavailable), Request(5, new IssueAnswer(409, "sold-out", false, null)), Request(5, new IssueAnswer(429, "rate-limited", false, null)),
        ];

        Assert.Empty(HistoryChecker.Check(history, [Rows(3, 1, 2, 4)]));
    }

    [Fact]
    public void Two_202s_for_one_user_are_a_violation_though_there_is_one_row()
    {
        var violations = HistoryChecker.Check([Request(1, Accepted), Request(1, Accepted)], [Rows(null, 1)]);

        Assert.Contains(violations, v => v.Contains("user 1: 2 202s", StringComparison.Ordinal));
    }

    [Fact]
    public void A_202_without_a_row_is_a_violation()
    {
        var violations = HistoryChecker.Check([Request(1, Accepted), Request(2, Accepted)], [Rows(null, 2)]);

        Assert.Equal(["coupon 7 user 1: 202 without a row: api 0.000-0.100 s: 202"], violations);
    }

    [Fact]
    public void A_row_for_a_user_who_was_only_refused_is_a_violation_and_an_indeterminate_request_excuses_it()
    {
        var refused = HistoryChecker.Check([Request(1, Unavailable), Request(1, AlreadyIssued)], [Rows(null, 1)]);
        var excused = HistoryChecker.Check([Request(1, Unavailable), Request(1, TimedOut), Request(1, AlreadyIssued)], [Rows(null, 1)]);

        Assert.Contains(refused, v => v.Contains("user 1: a row, but every request was refused", StringComparison.Ordinal));
        Assert.Empty(excused);
    }

    [Fact]
    public void A_row_for_a_user_who_never_asked_is_a_violation()
    {
        Assert.Contains(HistoryChecker.Check([], [Rows(null, 9)]), v => v.Contains("user 9: a row, but the user never asked", StringComparison.Ordinal));
    }

    [Fact]
    public void Rows_past_the_quantity_two_rows_for_a_user_and_a_wrong_issued_quantity_are_violations()
    {
        var campaign = new CampaignRows(Coupon, 1, [1, 1], 1);

        var violations = HistoryChecker.Check([Request(1, Accepted)], [campaign]);

        Assert.Contains("coupon 7: 2 rows for a quantity of 1", violations);
        Assert.Contains("coupon 7: issued_quantity 1 but 2 rows", violations);
        Assert.Contains("coupon 7 user 1: 2 rows", violations);
    }

    [Theory]
    [InlineData(500, "internal-error", true)]
    [InlineData(401, "unauthorized", false)]
    [InlineData(503, "unavailable", false)]
    [InlineData(504, null, false)]
    [InlineData(409, "edit-conflict", false)]
    public void An_answer_the_contract_does_not_allow_is_a_violation(int status, string? code, bool retryAfter)
    {
        var violations = HistoryChecker.Check([Request(1, new IssueAnswer(status, code, retryAfter, null))], [Rows(null)]);

        Assert.Contains(violations, v => v.Contains("answer not allowed", StringComparison.Ordinal));
    }

    private static IssueRequest Request(long user, IssueAnswer answer) =>
        new(Coupon, user, "api", TimeSpan.Zero, TimeSpan.FromMilliseconds(100), answer);

    private static CampaignRows Rows(int? quantity, params long[] users) => new(Coupon, quantity, users, users.Length);
}
