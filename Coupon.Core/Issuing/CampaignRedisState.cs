using System.Globalization;
using StackExchange.Redis;

namespace Coupon.Core.Issuing;

// The Redis side of a campaign: its meta and its winners. The api writes it on create and edit
// and runs the issue/undo scripts against it; the worker rebuilds it from MySQL after a loss.
public sealed class CampaignRedisState(IConnectionMultiplexer redis)
{
    private const int WinnersPerCommand = 1000;

    private IDatabase Database => redis.GetDatabase();

    // Writes meta, the winners and the entrants (user id -> unix ms) in one MULTI/EXEC, so a
    // reader sees either the old state or the whole new one; meta is what marks the state as present.
    public async Task ReplaceAsync(CampaignMeta meta, IReadOnlyCollection<KeyValuePair<long, long>>? winners = null,
        IReadOnlyCollection<KeyValuePair<long, long>>? entrants = null) =>
        await ReplaceAsync(meta, winners, entrants, drawPending: false).ConfigureAwait(false);

    // Once a draw is made in MySQL: its winners replace the entrants, and the campaign is first come
    // for the rest of its window. False when Redis no longer waits for that draw (another worker
    // applied it; the state was lost, and the rebuild writes it).
    public Task<bool> ApplyDrawAsync(CampaignMeta meta, IReadOnlyCollection<KeyValuePair<long, long>> winners) =>
        ReplaceAsync(meta, winners, null, drawPending: true);

    private async Task<bool> ReplaceAsync(CampaignMeta meta, IReadOnlyCollection<KeyValuePair<long, long>>? winners,
        IReadOnlyCollection<KeyValuePair<long, long>>? entrants, bool drawPending)
    {
        var keys = new CampaignKeys(meta.CampaignId);
        var transaction = Database.CreateTransaction();
        if (drawPending)
            transaction.AddCondition(Condition.HashExists(keys.Meta, "draw"));
        var commands = new List<Task>
        {
            transaction.KeyDeleteAsync([keys.Meta, keys.Winners, keys.Requests, keys.Reconciled, keys.Entrants]),
        };
        foreach (var (key, users) in new[] { (keys.Winners, winners), (keys.Entrants, entrants) })
        {
            foreach (var chunk in (users ?? []).Chunk(WinnersPerCommand))
                commands.Add(transaction.HashSetAsync(key, [.. chunk.Select(w => new HashEntry(w.Key, w.Value))]));
        }
        commands.Add(transaction.HashSetAsync(keys.Meta, MetaEntries(meta)));
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            if (drawPending)
                return false;
            throw new RedisException($"The Redis state of campaign {meta.CampaignId} was not written.");
        }
        await Task.WhenAll(commands).ConfigureAwait(false);
        return true;
    }

    // The state of a campaign just committed to MySQL, unless the worker rebuilt it meanwhile.
    public async Task AddAsync(CampaignMeta meta)
    {
        var keys = new CampaignKeys(meta.CampaignId);
        var transaction = Database.CreateTransaction();
        transaction.AddCondition(Condition.KeyNotExists(keys.Meta));
        _ = transaction.HashSetAsync(keys.Meta, MetaEntries(meta));
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    // Before an operator's edit commits in MySQL: the meta narrowed to what both the held and the
    // edited version allow, marked with the edit's token (update-meta.lua). Atomic with the
    // accepted count, so the quantity can never be set below what has been accepted.
    public Task<(MetaUpdate Result, long Accepted)> ProposeAsync(CampaignMeta meta, string token) =>
        UpdateAsync(meta, "pending", token);

    // The meta of the version MySQL holds, over the pending edit of `pending` (null: none pending);
    // never over a newer version.
    public Task<(MetaUpdate Result, long Accepted)> ApplyAsync(CampaignMeta meta, string? pending) =>
        UpdateAsync(meta, "live", pending ?? "");

    private async Task<(MetaUpdate Result, long Accepted)> UpdateAsync(CampaignMeta meta, string step, string token)
    {
        var keys = new CampaignKeys(meta.CampaignId);
        var result = (RedisResult[])(await RedisScript.UpdateMeta.EvaluateAsync(Database,
            [keys.Meta, keys.Winners], [meta.Total, meta.StartMs, meta.EndMs, meta.Version, step, token, meta.DrawMs]).ConfigureAwait(false))!;
        var accepted = (long)result[1];
        return ((long)result[0]) switch
        {
            1 => (MetaUpdate.Updated, accepted),
            -1 => (MetaUpdate.Lost, accepted),
            -2 => (MetaUpdate.BelowAccepted, accepted),
            -3 => (MetaUpdate.Stale, accepted),
            _ => (MetaUpdate.OtherEditPending, accepted),
        };
    }

    // Drops the meta of that version when it may not match MySQL (an edit failed half-way): the
    // campaign answers 503 until the worker has rebuilt it from MySQL. A newer meta stays.
    public async Task InvalidateAsync(long campaignId, int version)
    {
        var keys = new CampaignKeys(campaignId);
        var transaction = Database.CreateTransaction();
        transaction.AddCondition(Condition.HashEqual(keys.Meta, "version", version));
        _ = transaction.KeyDeleteAsync(keys.Meta);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    // True when Redis held fewer winners than `rows` and the state was forgotten for a rebuild.
    public async Task<bool> ForgetIfShortAsync(long campaignId, int rows)
    {
        var keys = new CampaignKeys(campaignId);
        return (long)await RedisScript.ForgetIfShort.EvaluateAsync(Database, [keys.Meta, keys.Winners], [rows]).ConfigureAwait(false) == 1;
    }

    public Task<bool> ExistsAsync(long campaignId) => Database.KeyExistsAsync(new CampaignKeys(campaignId).Meta);

    public Task<long> AcceptedAsync(long campaignId) => Database.HashLengthAsync(new CampaignKeys(campaignId).Winners);

    public Task<long> EntrantsAsync(long campaignId) => Database.HashLengthAsync(new CampaignKeys(campaignId).Entrants);

    // Whether Redis still waits for the campaign's draw (its meta names one); null when the state is lost.
    public async Task<bool?> DrawPendingAsync(long campaignId)
    {
        var draw = await Database.HashGetAsync(new CampaignKeys(campaignId).Meta, ["total", "draw"]).ConfigureAwait(false);
        return draw[0].IsNull ? null : !draw[1].IsNull;
    }

    // The entry time of one user, if Redis holds one.
    public async Task<DateTimeOffset?> EnteredAtAsync(long campaignId, long userId)
    {
        var value = await Database.HashGetAsync(new CampaignKeys(campaignId).Entrants, userId).ConfigureAwait(false);
        return value.HasValue ? DateTimeOffset.FromUnixTimeMilliseconds((long)value) : null;
    }

    // The acceptance time of one user, if Redis holds one.
    public async Task<DateTimeOffset?> AcceptedAtAsync(long campaignId, long userId)
    {
        var value = await Database.HashGetAsync(new CampaignKeys(campaignId).Winners, userId).ConfigureAwait(false);
        return value.HasValue ? DateTimeOffset.FromUnixTimeMilliseconds((long)value) : null;
    }

    public async Task<IReadOnlyDictionary<long, long>> WinnersAsync(long campaignId)
    {
        var entries = await Database.HashGetAllAsync(new CampaignKeys(campaignId).Winners).ConfigureAwait(false);
        return entries.ToDictionary(e => (long)e.Name, e => (long)e.Value);
    }

    // Decides a group of requests of one campaign in one script call, in their order; one result
    // per request. `persisted`: the rows MySQL is known to hold for the campaign (a lower bound is
    // enough).
    public async Task<IssueResult[]> IssueAsync(IReadOnlyList<IssueRequest> requests, int persisted = 0)
    {
        var keys = new CampaignKeys(requests[0].CampaignId);
        var scriptKeys = new RedisKey[4 + requests.Count];
        (scriptKeys[0], scriptKeys[1], scriptKeys[2], scriptKeys[3]) = (keys.Meta, keys.Winners, keys.Requests, keys.Entrants);
        var values = new RedisValue[1 + 3 * requests.Count];
        values[0] = persisted;
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            if (request.CampaignId != keys.CampaignId)
                throw new ArgumentException("A group of issue requests is of one campaign.", nameof(requests));
            scriptKeys[4 + i] = keys.Voided(request.RequestId);
            (values[1 + 3 * i], values[2 + 3 * i], values[3 + 3 * i]) = (request.UserId, request.RequestId, request.DeadlineMs);
        }
        var result = (RedisResult[])(await RedisScript.Issue.EvaluateAsync(Database, scriptKeys, values).ConfigureAwait(false))!;
        var now = (long)result[0];
        var results = new IssueResult[requests.Count];
        for (var i = 0; i < results.Length; i++)
            results[i] = new IssueResult((IssueOutcome)(long)result[1 + 2 * i], now, (long)result[2 + 2 * i]);
        return results;
    }

    public async Task<IssueResult> IssueAsync(IssueRequest request, int persisted = 0) =>
        (await IssueAsync([request], persisted).ConfigureAwait(false))[0];

    // After a lost reply: Accepted (Entered) when this request's script recorded the winner (the
    // entrant), AlreadyIssued (AlreadyEntered) when another request's did, Unavailable when nothing
    // is recorded. Unless Accepted, the
    // request is voided: its script records nothing, should it still run.
    public async Task<IssueResult> ResolveAsync(IssueRequest request)
    {
        var keys = new CampaignKeys(request.CampaignId);
        var result = (RedisResult[])(await RedisScript.Resolve.EvaluateAsync(Database,
            [keys.Winners, keys.Requests, keys.Voided(request.RequestId), keys.Entrants],
            [request.UserId, request.RequestId, request.DeadlineMs]).ConfigureAwait(false))!;
        return new IssueResult((IssueOutcome)(long)result[0], (long)result[1], 0);
    }

    // Takes back the acceptance this request's script recorded, and voids the request.
    public async Task<WithdrawResult> WithdrawAsync(IssueRequest request)
    {
        var keys = new CampaignKeys(request.CampaignId);
        var result = await RedisScript.Withdraw.EvaluateAsync(Database,
            [keys.Winners, keys.Reconciled, keys.Requests, keys.Voided(request.RequestId), keys.Entrants],
            [request.UserId, request.RequestId, request.DeadlineMs]).ConfigureAwait(false);
        return (WithdrawResult)(long)result;
    }

    // The ids of the requests that recorded these users' winners (0 for a winner rebuilt from MySQL).
    public async Task<IReadOnlyDictionary<long, long>> RequestsAsync(long campaignId, IReadOnlyList<long> userIds)
    {
        var values = await Database.HashGetAsync(new CampaignKeys(campaignId).Requests, [.. userIds.Select(u => (RedisValue)u)])
            .ConfigureAwait(false);
        return userIds.Zip(values).ToDictionary(p => p.First, p => p.Second.HasValue ? (long)p.Second : 0);
    }

    // The reconciler's claim on a winner without a row before re-publishing it; false when the
    // winner is gone or changed, or was claimed less than `claimFor` ago.
    public async Task<bool> ClaimForReconcileAsync(long campaignId, long userId, long acceptedAtMs, DateTimeOffset now, TimeSpan claimFor)
    {
        var keys = new CampaignKeys(campaignId);
        var result = await RedisScript.Reconcile.EvaluateAsync(Database, [keys.Winners, keys.Reconciled],
            [userId, acceptedAtMs, now.ToUnixTimeMilliseconds(), (long)claimFor.TotalMilliseconds]).ConfigureAwait(false);
        return (long)result == 1;
    }

    // `draw` only while a draw is to be made.
    private static HashEntry[] MetaEntries(CampaignMeta meta) =>
    [
        new("total", meta.Total),
        new("start", meta.StartMs),
        new("end", meta.EndMs),
        new("version", meta.Version),
        .. meta.DrawMs == 0 ? Array.Empty<HashEntry>() : [new("draw", meta.DrawMs)],
    ];
}
