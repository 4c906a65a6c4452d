using System.Collections.Concurrent;
using Coupon.Core.Contracts;
using Coupon.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Coupon.Api.Issuing;

// The in-process copy of campaigns that lets the issue endpoint reject unknown, not yet open,
// closed and (recently) sold-out campaigns without a Redis or MySQL round trip.
public sealed class CampaignCache(IServiceScopeFactory scopes, TimeProvider time, IOptions<CampaignCacheOptions> options)
{
    private readonly ConcurrentDictionary<long, Entry> _entries = new();
    private readonly CampaignCacheOptions _options = options.Value;

    public async ValueTask<CampaignSnapshot?> GetAsync(long couponId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var entry = _entries.GetOrAdd(couponId, id => new Entry(LoadAsync(id), now + _options.RefreshInterval));
        var stale = entry.RefreshAt <= now;
        if (entry.Loading.IsFaulted || (stale && entry.Loading is { IsCompletedSuccessfully: true, Result: null }))
        {
            // Failed loads (MySQL down) and unknown ids are not kept: they are asked again, and
            // random ids cannot fill the cache.
            _entries.TryRemove(KeyValuePair.Create(couponId, entry));
            entry = _entries.GetOrAdd(couponId, id => new Entry(LoadAsync(id), now + _options.RefreshInterval));
        }
        else if (stale && entry.Loading.IsCompletedSuccessfully)
        {
            RefreshInBackground(couponId, entry, now);
        }
        return await entry.Loading.WaitAsync(cancellationToken);
    }

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

    public void MarkSoldOut(long couponId)
    {
        if (_entries.TryGetValue(couponId, out var entry))
            entry.SoldOutUntil = time.GetUtcNow() + _options.SoldOutMemory;
    }

    // After a create or edit on this instance: the new row, and no remembered sold-out.
    public void Set(Campaign campaign) =>
        _entries[campaign.Id] = new Entry(Task.FromResult<CampaignSnapshot?>(CampaignSnapshot.From(campaign)),
            time.GetUtcNow() + _options.RefreshInterval);

    private void RefreshInBackground(long couponId, Entry stale, DateTimeOffset now)
    {
        var refreshing = new Entry(stale.Loading, now + _options.RefreshInterval) { SoldOutUntil = stale.SoldOutUntil };
        if (!_entries.TryUpdate(couponId, refreshing, stale))
            return;
        _ = LoadAsync(couponId).ContinueWith(loaded =>
        {
            if (loaded.IsCompletedSuccessfully)
            {
                _entries.TryUpdate(couponId,
                    new Entry(loaded, refreshing.RefreshAt) { SoldOutUntil = refreshing.SoldOutUntil }, refreshing);
            }
        }, TaskScheduler.Default);
    }

    private async Task<CampaignSnapshot?> LoadAsync(long couponId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        var campaign = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == couponId);
        return campaign is null ? null : CampaignSnapshot.From(campaign);
    }

    private sealed class Entry(Task<CampaignSnapshot?> loading, DateTimeOffset refreshAt)
    {
        public Task<CampaignSnapshot?> Loading { get; } = loading;
        public DateTimeOffset RefreshAt { get; } = refreshAt;
        public DateTimeOffset SoldOutUntil { get; set; }
    }
}
