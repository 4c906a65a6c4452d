using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Coupon.Core.Issuing;
using Coupon.Core.Messaging;
using StackExchange.Redis;

namespace Coupon.Api.Issuing;

// What the group commit decided for one request: the issue script's result, or the fault that
// kept its reply from the api (Fault; then Result means nothing), and for an accepted request
// whether Kafka has its event.
public readonly record struct IssueDecision(IssueResult Result, Exception? Fault, PersistenceStatus Published);

// The issue requests of one campaign that arrive together are decided together, the way a
// database amortises its log flush: one issue script for the group (each request decided in
// arrival order by the same rules, with its own id and deadline), then one burst of Kafka
// records for the group's winners, awaited together. Nothing waits on a timer: a request that
// finds no group in Redis is sent at once, alone; those that arrive while a group is in Redis
// (a round trip, well under a millisecond on a quiet server) form the next group, up to MaxGroup.
// So a quiet api answers as fast as before and a busy one sends a script and a delivery wait per
// group instead of per request. A group's publish runs while the next group is in Redis.
public sealed partial class GroupCommit(CampaignRedisState state, RedisClock clock, IssuedEventPublisher publisher, ILogger<GroupCommit> logger)
{
    // A script deciding this many requests runs for well under a millisecond in Redis.
    public const int MaxGroup = 256;

    // Far above a healthy script's round trip (under a millisecond; a few under a storm on two cores).
    private static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentDictionary<long, CampaignQueue> _queues = new();

    // `persisted`: the rows MySQL held for the campaign when the api last read it.
    public Task<IssueDecision> DecideAsync(IssueRequest request, int persisted, ActivityContext trace)
    {
        var pending = new Pending(request, persisted, trace);
        while (true)
        {
            var queue = _queues.GetOrAdd(request.CampaignId, static _ => new CampaignQueue());
            lock (queue)
            {
                // Emptied and dropped meanwhile: the campaign's next queue takes the request.
                if (queue.Retired)
                    continue;
                queue.Waiting.Add(pending);
                if (queue.Deciding)
                    return pending.Decided.Task;
                queue.Deciding = true;
            }
            // The groups are decided outside this request's context: its trace, deadline and
            // cancellation are its own, not the groups' that follow it.
            using (ExecutionContext.SuppressFlow())
                _ = DecideGroupsAsync(request.CampaignId, queue);
            return pending.Decided.Task;
        }
    }

    private async Task DecideGroupsAsync(long campaignId, CampaignQueue queue)
    {
        while (true)
        {
            Pending[] group;
            lock (queue)
            {
                if (queue.Waiting.Count == 0)
                {
                    queue.Retired = true;
                    _queues.TryRemove(KeyValuePair.Create(campaignId, queue));
                    return;
                }
                var count = Math.Min(queue.Waiting.Count, MaxGroup);
                group = [.. queue.Waiting.GetRange(0, count)];
                queue.Waiting.RemoveRange(0, count);
            }
            try
            {
                // A slow Redis holds no request back longer than this: the next group goes out
                // behind the one still in Redis (the connection keeps their order).
                await DecideGroupAsync(campaignId, group).WaitAsync(Patience);
            }
            catch (TimeoutException)
            {
                // The group is answered when its reply comes or its command times out.
            }
        }
    }

    private async Task DecideGroupAsync(long campaignId, Pending[] group)
    {
        try
        {
            await RunScriptAsync(group);
        }
        catch (Exception e)
        {
            // A fault of ours: the script may have run, so each request not yet answered reads
            // back what it did, as after a lost reply; the next groups go on.
            LogGroupFailed(e, campaignId);
            foreach (var pending in group)
                pending.Decided.TrySetResult(new IssueDecision(default, e, default));
        }
    }

    private async Task RunScriptAsync(Pending[] group)
    {
        // Sent past its deadline, a request's script would record nothing: it is answered so
        // without being sent.
        var now = clock.DeadlineMs(TimeSpan.Zero);
        var live = new List<Pending>(group.Length);
        foreach (var pending in group)
        {
            if (pending.Request.DeadlineMs <= now)
                pending.Decided.TrySetResult(new IssueDecision(new IssueResult(IssueOutcome.Expired, now, 0), null, default));
            else
                live.Add(pending);
        }
        if (live.Count == 0)
            return;

        using var activity = StartActivity(live);
        var sent = clock.Timestamp();
        IssueResult[] results;
        try
        {
            // Bounded by the Redis client's timeout, the script's deadline (Extensions.cs), which
            // also tells whether the script was sent at all.
            results = await state.IssueAsync([.. live.Select(p => p.Request)], live.Max(p => p.Persisted));
            clock.Observe(results[0].AcceptedAtMs, sent);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Each request reads back on its own what the script did for it (IssueCoupon).
            activity.SetStatus(ActivityStatusCode.Error, e.Message);
            foreach (var pending in live)
                pending.Decided.TrySetResult(new IssueDecision(default, e, default));
            return;
        }

        var winners = new List<(Pending Pending, IssueResult Result)>();
        for (var i = 0; i < live.Count; i++)
        {
            if (results[i].Outcome is IssueOutcome.Accepted or IssueOutcome.Entered)
                winners.Add((live[i], results[i]));
            else
                live[i].Decided.TrySetResult(new IssueDecision(results[i], null, default));
        }
        if (winners.Count > 0)
            _ = PublishAsync(winners);
    }

    private async Task PublishAsync(List<(Pending Pending, IssueResult Result)> winners)
    {
        PersistenceStatus[] published;
        try
        {
            published = await publisher.PublishAsync([.. winners.Select(w =>
                new IssuedEventMessage(new CouponIssuedEvent(w.Pending.Request.CampaignId, w.Pending.Request.UserId, w.Result.AcceptedAt,
                    w.Result.Outcome == IssueOutcome.Entered), w.Pending.Trace))]);
        }
        catch (Exception e)
        {
            // A fault of ours while producing: some events may be in Kafka, so every winner stays
            // (a 202) and the reconciler makes sure of the rows.
            LogPublishFailed(e, winners[0].Pending.Request.CampaignId, winners.Count);
            published = [.. winners.Select(_ => PersistenceStatus.PossiblyPersisted)];
        }
        for (var i = 0; i < winners.Count; i++)
            winners[i].Pending.Decided.TrySetResult(new IssueDecision(winners[i].Result, null, published[i]));
    }

    // The group's span, a child of its first traced request and linked to the others; when none
    // is recorded, an activity nobody records, so the script's Redis span is no trace of its own.
    private static Activity StartActivity(List<Pending> group)
    {
        var traced = group.Where(p => p.Trace != default).Take(64).ToList();
        var activity = traced.Count == 0 ? null : IssueTelemetry.Source.StartActivity("coupon issue group", ActivityKind.Internal,
            traced[0].Trace, links: traced.Skip(1).Select(p => new ActivityLink(p.Trace)));
        if (activity is null)
        {
            Activity.Current = null;
            return new Activity("coupon issue group").Start();
        }
        activity.SetTag("coupon.id", group[0].Request.CampaignId);
        activity.SetTag("coupon.issue.group_size", group.Count);
        return activity;
    }

    private sealed record Pending(IssueRequest Request, int Persisted, ActivityContext Trace)
    {
        public TaskCompletionSource<IssueDecision> Decided { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class CampaignQueue
    {
        public List<Pending> Waiting { get; } = [];
        public bool Deciding { get; set; }
        public bool Retired { get; set; }
    }

    [LoggerMessage(LogLevel.Error, "Deciding a group of issue requests for campaign {CampaignId} failed")]
    private partial void LogGroupFailed(Exception exception, long campaignId);

    [LoggerMessage(LogLevel.Error, "Publishing {Count} issued events of campaign {CampaignId} failed; they are kept for the reconciler")]
    private partial void LogPublishFailed(Exception exception, long campaignId, int count);
}
