using Coupon.Core.Drawing;
using MySqlConnector;

namespace Coupon.Bench.Verification;

// A made draw, read from MySQL: its entries are the entries answered 202 (a request with no
// answer may have gone either way), and its coupons are min(quantity, entrants) rows, every one
// an entrant's, exactly the winners DrawAlgorithm gives for the published seed, which is the one
// whose hash was published at creation.
public sealed record DrawCheck(long Entrants, long Rows, IReadOnlyList<string> Violations);

public static class DrawVerification
{
    private const int ShownUsers = 20;

    public static async Task<DrawCheck> CheckAsync(string connectionString, long campaignId, string seed, string seedHash, int quantity,
        IReadOnlyCollection<long> entered, IReadOnlySet<long> unknown, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var entrants = await UsersAsync(connection, "SELECT user_id FROM draw_entries WHERE campaign_id = @id ORDER BY user_id", campaignId, cancellationToken);
        var rows = await UsersAsync(connection, "SELECT user_id FROM coupon_issues WHERE campaign_id = @id ORDER BY user_id", campaignId, cancellationToken);

        var violations = new List<string>();
        if (DrawAlgorithm.Hash(seed) != seedHash)
            violations.Add("the seed does not hash to the seed hash published at creation");
        if (unknown.Count == 0 && entrants.Count != entered.Count)
            violations.Add($"{entrants.Count:N0} entries for {entered.Count:N0} answered 202");
        var inDraw = entrants.ToHashSet();
        Add("users answered 202 have no entry", entered.Where(user => !inDraw.Contains(user)));
        var answered = entered.ToHashSet();
        Add("entries belong to users who were not answered 202", entrants.Where(user => !answered.Contains(user) && !unknown.Contains(user)));
        if (rows.Count != Math.Min(quantity, entrants.Count))
            violations.Add($"{rows.Count:N0} rows, not min({quantity:N0}, {entrants.Count:N0} entrants)");
        Add("rows belong to users who did not enter", rows.Where(user => !inDraw.Contains(user)));
        var winners = DrawAlgorithm.Winners(seed, entrants, quantity).Order().ToList();
        if (!winners.SequenceEqual(rows))
            violations.Add($"the rows are not the {winners.Count:N0} winners the seed gives ({winners.Except(rows).Count():N0} winners without a row)");
        return new DrawCheck(entrants.Count, rows.Count, violations);

        void Add(string what, IEnumerable<long> found)
        {
            var list = found.ToList();
            if (list.Count > 0)
                violations.Add($"{list.Count:N0} {what} ({string.Join(", ", list.Take(ShownUsers))}{(list.Count > ShownUsers ? ", …" : "")})");
        }
    }

    private static async Task<List<long>> UsersAsync(MySqlConnection connection, string sql, long campaignId, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection);
        command.Parameters.AddWithValue("@id", campaignId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var users = new List<long>();
        while (await reader.ReadAsync(cancellationToken))
            users.Add(reader.GetInt64(0));
        return users;
    }
}
