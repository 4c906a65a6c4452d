using System.Collections.Concurrent;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Coupon.Api.Issuing;

// The in-process copy of campaigns that lets the issue endpoint reject unknown, not yet open,
// closed and (recently) sold-out campaigns without a Redis or MySQL round trip. It holds existing
// campaigns only, up to a bound. Ids are made up by clients, so an unknown one must cost nothing
// that grows: ids above the highest campaign id are refused from memory (that id is reloaded at
// most once per refresh interval), and the rare ids below it without a campaign (ids a failed
// create used up) are remembered a while, also up to a bound.
public sealed class CampaignCache(IServiceScopeFactory scopes, TimeProvider time, IOptions<CampaignCacheOptions> options)
{
    private readonly ConcurrentDictionary<long, Entry> _entries = new();
    private readonly ConcurrentDictionary<long, DateTimeOffset> _missingUntil = new();
    private readonly CampaignCacheOptions _options = options.Value;
    private HighestId _highest = new(Task.FromResult(0L), DateTimeOffset.MinValue);

    public async ValueTask<CampaignSnapshot?> GetAsync(long campaignId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var loading = false;
        if (_entries.TryGetValue(campaignId, out var entry))
        {
            if (Served(campaignId, entry, now) is { } held)
                return held;
            // A failed load (MySQL down) is asked again; an id found missing is not kept here.
            if (entry.Loading.IsCompleted)
                _entries.TryRemove(KeyValuePair.Create(campaignId, entry));
            else
                loading = true;
        }
        if (!loading && !await MayExistAsync(campaignId, now, cancellationToken))
            return null;

        entry = _entries.GetOrAdd(campaignId, id => Added(id, new Entry(LoadAsync(id), now + _options.RefreshInterval)));
        var campaign = await entry.Loading.WaitAsync(_options.LoadTimeout, time, cancellationToken);
        if (campaign is null)
            _entries.TryRemove(KeyValuePair.Create(campaignId, entry));
        return campaign;
    }

    // The public answer (sold out, closed, not open yet) for a campaign held here, from memory
    // alone: no request waits for a load, whatever the id. A copy past the refresh interval is
    // reloaded in the background as GetAsync does, so an edit made through another api instance
    // (a campaign reopened) shows here too.
    public string? PublicRejection(long campaignId) =>
        _entries.TryGetValue(campaignId, out var entry) && Served(campaignId, entry, time.GetUtcNow()) is { } campaign
            ? FastReject(campaign)
            : null;

    // A problem code when the cache alone can tell the request is hopeless, otherwise null.
    public string? FastReject(CampaignSnapshot campaign)
    {
        // The tolerance moves the clock, not the window: a window at the edge of DateTime's range
        // cannot overflow.
        var now = time.GetUtcNow().UtcDateTime;
        if (now + _options.ClockTolerance < campaign.IssueStart)
            return ProblemCodes.NotOpenYet;
        if (now - _options.ClockTolerance >= campaign.IssueEnd)
            return ProblemCodes.Closed;
        return _entries.TryGetValue(campaign.Id, out var entry) && entry.SoldOutUntil > time.GetUtcNow()
            ? ProblemCodes.SoldOut
            : null;
    }

    public void MarkSoldOut(long campaignId)
    {
        if (_entries.TryGetValue(campaignId, out var entry))
            entry.SoldOutUntil = time.GetUtcNow() + _options.SoldOutMemory;
    }

    // After a create or edit on this instance: the new row, and no remembered sold-out.
    public void Set(Campaign campaign)
    {
        var now = time.GetUtcNow();
        _missingUntil.TryRemove(campaign.Id, out _);
        var highest = Volatile.Read(ref _highest);
        if (!highest.Id.IsCompletedSuccessfully || highest.Id.Result < campaign.Id)
            Volatile.Write(ref _highest, new HighestId(Task.FromResult(campaign.Id), now + _options.RefreshInterval));
        _entries[campaign.Id] = Added(campaign.Id,
            new Entry(Task.FromResult<CampaignSnapshot?>(CampaignSnapshot.From(campaign)), now + _options.RefreshInterval));
    }

    // The campaign of a loaded entry, reloaded in the background when due; null when not loaded
    // or missing.
    private CampaignSnapshot? Served(long campaignId, Entry entry, DateTimeOffset now)
    {
        if (entry.Loading is not { IsCompletedSuccessfully: true, Result: { } campaign })
            return null;
        if (entry.RefreshAt <= now)
            RefreshInBackground(campaignId, entry, now);
        return campaign;
    }

    private async ValueTask<bool> MayExistAsync(long campaignId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_missingUntil.TryGetValue(campaignId, out var until) && until > now)
            return false;
        var highest = Volatile.Read(ref _highest);
        if (highest.Id.IsCompletedSuccessfully && (campaignId <= highest.Id.Result || highest.RefreshAt > now))
            return campaignId <= highest.Id.Result;
        if (highest.Id.IsCompleted)
        {
            // Stale or failed: one reload, whichever request gets here first.
            var reloading = new HighestId(LoadHighestIdAsync(), now + _options.RefreshInterval);
            highest = Interlocked.CompareExchange(ref _highest, reloading, highest) == highest ? reloading : Volatile.Read(ref _highest);
        }
        return campaignId <= await highest.Id.WaitAsync(_options.LoadTimeout, time, cancellationToken);
    }

    // Makes room for an entry about to be added: the bound holds whatever ids are asked.
    private Entry Added(long campaignId, Entry entry)
    {
        if (_entries.Count >= _options.MaxCampaigns)
        {
            foreach (var key in _entries.Keys)
            {
                if (key != campaignId && _entries.TryRemove(key, out _))
                    break;
            }
        }
        return entry;
    }

    private void RefreshInBackground(long campaignId, Entry stale, DateTimeOffset now)
    {
        var refreshing = new Entry(stale.Loading, now + _options.RefreshInterval) { SoldOutUntil = stale.SoldOutUntil };
        if (!_entries.TryUpdate(campaignId, refreshing, stale))
            return;
        _ = LoadAsync(campaignId).ContinueWith(loaded =>
        {
            if (loaded.IsCompletedSuccessfully)
            {
                _entries.TryUpdate(campaignId,
                    new Entry(loaded, refreshing.RefreshAt) { SoldOutUntil = refreshing.SoldOutUntil }, refreshing);
            }
        }, TaskScheduler.Default);
    }

    // A load past its deadline (MySQL hung) is cancelled, so a failed entry is asked again soon;
    // a request waiting for it gives up at the same deadline (a 503) rather than after the
    // driver's own cancellation has run its course.
    private async Task<CampaignSnapshot?> LoadAsync(long campaignId)
    {
        using var deadline = new CancellationTokenSource(_options.LoadTimeout, time);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        var campaign = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == campaignId, deadline.Token);
        if (campaign is null)
        {
            if (_missingUntil.Count >= _options.MaxCampaigns)
                _missingUntil.Clear();
            _missingUntil[campaignId] = time.GetUtcNow() + _options.MissingMemory;
        }
        return campaign is null ? null : CampaignSnapshot.From(campaign);
    }

    private async Task<long> LoadHighestIdAsync()
    {
        using var deadline = new CancellationTokenSource(_options.LoadTimeout, time);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        return await db.Campaigns.MaxAsync(c => (long?)c.Id, deadline.Token) ?? 0;
    }

    private sealed record HighestId(Task<long> Id, DateTimeOffset RefreshAt);

    private sealed class Entry(Task<CampaignSnapshot?> loading, DateTimeOffset refreshAt)
    {
        public Task<CampaignSnapshot?> Loading { get; } = loading;
        public DateTimeOffset RefreshAt { get; } = refreshAt;
        public DateTimeOffset SoldOutUntil { get; set; }
    }
}
