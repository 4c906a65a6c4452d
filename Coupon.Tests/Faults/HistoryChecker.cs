namespace Coupon.Tests.Faults;

// A campaign as MySQL holds it once the worker has drained.
public sealed record CampaignRows(long CampaignId, int? TotalQuantity, IReadOnlyList<long> Rows, int IssuedQuantity);

// Judges a history against what MySQL holds, per campaign and user: at most one 202; every 202
// exactly one row; a row only for a user with a 202 or an indeterminate request; rows ≤ quantity;
// issued_quantity = rows; no answer the contract does not allow. An indeterminate request may
// have gone either way, as Jepsen counts it.
public static class HistoryChecker
{
    public static IReadOnlyList<string> Check(IReadOnlyCollection<IssueRequest> history, IReadOnlyCollection<CampaignRows> campaigns)
    {
        var violations = new List<string>();
        foreach (var invalid in history.Where(request => request.Answer.Verdict == Verdict.Invalid))
            violations.Add($"coupon {invalid.CampaignId} user {invalid.UserId}: answer not allowed: {invalid}");

        foreach (var campaign in campaigns)
        {
            var id = campaign.CampaignId;
            if (campaign.TotalQuantity is { } total && campaign.Rows.Count > total)
                violations.Add($"coupon {id}: {campaign.Rows.Count} rows for a quantity of {total}");
            if (campaign.IssuedQuantity != campaign.Rows.Count)
                violations.Add($"coupon {id}: issued_quantity {campaign.IssuedQuantity} but {campaign.Rows.Count} rows");
            foreach (var twice in campaign.Rows.GroupBy(user => user).Where(rows => rows.Count() > 1))
                violations.Add($"coupon {id} user {twice.Key}: {twice.Count()} rows");

            var requests = history.Where(request => request.CampaignId == id).ToLookup(request => request.UserId);
            var rows = campaign.Rows.ToHashSet();
            foreach (var user in requests)
            {
                var accepted = user.Where(request => request.Answer.Verdict == Verdict.Accepted).ToList();
                if (accepted.Count > 1)
                    violations.Add($"coupon {id} user {user.Key}: {accepted.Count} 202s: {Describe(accepted)}");
                if (accepted.Count > 0 && !rows.Contains(user.Key))
                    violations.Add($"coupon {id} user {user.Key}: 202 without a row: {Describe(user)}");
                if (accepted.Count == 0 && rows.Contains(user.Key) && user.All(request => request.Answer.Verdict != Verdict.Indeterminate))
                    violations.Add($"coupon {id} user {user.Key}: a row, but every request was refused: {Describe(user)}");
            }
            foreach (var stranger in rows.Where(user => !requests.Contains(user)))
                violations.Add($"coupon {id} user {stranger}: a row, but the user never asked");
        }
        return violations;
    }

    private static string Describe(IEnumerable<IssueRequest> requests) =>
        string.Join("; ", requests.OrderBy(request => request.Start).Select(request => request.ToString()));
}
