using System.Globalization;

namespace Coupon.Tests.Faults;

// A fault as it ran: what was planned and how long the stack was faulty.
public sealed record InjectedFault(TimeSpan At, PlannedFault Fault, TimeSpan Faulty);

// The campaign's figures, as the test prints them and the README quotes them.
public static class CampaignSummary
{
    public static IReadOnlyList<string> Lines(int seed, TimeSpan ran, IReadOnlyList<InjectedFault> faults, IReadOnlyList<IssueRequest> history,
        IReadOnlyList<(CampaignRows Campaign, long Winners)> campaigns, IReadOnlyList<string> violations)
    {
        var faulty = faults.Sum(fault => fault.Faulty.TotalSeconds);
        var kinds = faults.GroupBy(fault => fault.Fault.Kind).OrderBy(kind => kind.Key).Select(kind => $"{kind.Key} {kind.Count()}");
        var answers = history.GroupBy(request => request.Answer.Status is null ? "no answer" : $"{request.Answer.Status}{(request.Answer.Code is { } code ? " " + code : "")}")
            .OrderByDescending(answer => answer.Count()).Select(answer => $"{answer.Key} ×{Count(answer.Count())}");
        return
        [
            $"seed {seed}: {faults.Count} faults in {ran.TotalSeconds:0} s, {faulty:0} fault-seconds; {string.Join(", ", kinds)}",
            $"{Count(history.Count)} requests from {Count(history.Select(request => request.UserId).Distinct().Count())} users: {string.Join(", ", answers)}; " +
                $"indeterminate {Count(history.Count(request => request.Answer.Verdict == Verdict.Indeterminate))}",
            string.Join("; ", campaigns.Select(c => $"coupon {c.Campaign.CampaignId} ({(c.Campaign.TotalQuantity is { } total ? $"quantity {Count(total)}" : "unlimited")}): " +
                $"{Count(c.Campaign.Rows.Count)} rows, {Count(c.Winners)} winners in Redis")),
            $"violations: {violations.Count}",
        ];
    }

    private static string Count(long count) => count.ToString("N0", CultureInfo.InvariantCulture);
}
