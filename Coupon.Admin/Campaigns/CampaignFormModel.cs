using Coupon.Core.Contracts;

namespace Coupon.Admin.Campaigns;

// What the create/edit form binds to: dates and times as the operator sees them in their own
// zone, turned into the api's UTC request only when saving.
public sealed class CampaignFormModel
{
    // What the draw window field holds when the operator picks a draw.
    public const int DefaultDrawWindowSeconds = 30;

    public string? Title { get; set; }

    public bool Unlimited { get; set; }

    public int? TotalQuantity { get; set; }

    public decimal? DiscountAmount { get; set; }

    public decimal? MinOrderAmount { get; set; }

    public DateTime? StartDate { get; set; }

    public TimeSpan? StartTime { get; set; }

    public DateTime? EndDate { get; set; }

    public TimeSpan? EndTime { get; set; }

    public OpeningMode OpeningMode { get; set; }

    // Kept while the operator switches to first come and back; sent only for a draw.
    public int? DrawWindowSeconds { get; set; }

    // The opening of a saved campaign is fixed once its issue window has opened (the api's
    // opening-locked): the form shows it but does not let it change. A draw's issue start is
    // part of its opening (entering and the draw time follow from it).
    public static bool OpeningLocked(CampaignView? campaign, DateTimeOffset now) =>
        campaign is not null && (now >= campaign.IssueStart || campaign.Draw?.DrawnAt is not null);

    public static bool IssueStartLocked(CampaignView? campaign, DateTimeOffset now) =>
        campaign?.OpeningMode == OpeningMode.Draw && OpeningLocked(campaign, now);

    // A window that opens at the current minute (a new campaign's default) may be over before
    // it is saved: the api takes it, and the draw is made at once among nobody.
    public bool DrawWindowOver(DateTimeOffset now, TimeZoneInfo zone) =>
        ToRequest(zone) is { OpeningMode: OpeningMode.Draw, IssueStart: { } start, DrawWindowSeconds: { } window }
        && start.AddSeconds(window) <= now;

    // A new campaign opens now (the current minute) and runs for an hour: a flash sale as it is
    // usually started, and a window to move for one that is scheduled.
    public static CampaignFormModel New(DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        var start = local.Date + TimeSpan.FromMinutes(Math.Floor(local.TimeOfDay.TotalMinutes));
        var end = start.AddHours(1);
        return new CampaignFormModel
        {
            TotalQuantity = 100,
            DiscountAmount = 1000,
            MinOrderAmount = 0,
            StartDate = start.Date,
            StartTime = start.TimeOfDay,
            EndDate = end.Date,
            EndTime = end.TimeOfDay,
            DrawWindowSeconds = DefaultDrawWindowSeconds,
        };
    }

    public static CampaignFormModel From(CampaignView campaign, TimeZoneInfo zone)
    {
        var start = TimeZoneInfo.ConvertTime(campaign.IssueStart, zone).DateTime;
        var end = TimeZoneInfo.ConvertTime(campaign.IssueEnd, zone).DateTime;
        return new CampaignFormModel
        {
            Title = campaign.Title,
            Unlimited = campaign.TotalQuantity is null,
            TotalQuantity = campaign.TotalQuantity,
            DiscountAmount = campaign.DiscountAmount,
            MinOrderAmount = campaign.MinOrderAmount,
            StartDate = start.Date,
            StartTime = start.TimeOfDay,
            EndDate = end.Date,
            EndTime = end.TimeOfDay,
            OpeningMode = campaign.OpeningMode,
            DrawWindowSeconds = campaign.Draw?.WindowSeconds ?? DefaultDrawWindowSeconds,
        };
    }

    // Back to the opening the campaign was loaded with, after the api refused to change it.
    public void KeepOpeningOf(CampaignView campaign, TimeZoneInfo zone)
    {
        OpeningMode = campaign.OpeningMode;
        DrawWindowSeconds = campaign.Draw?.WindowSeconds ?? DefaultDrawWindowSeconds;
        if (campaign.OpeningMode == OpeningMode.Draw)
        {
            var start = TimeZoneInfo.ConvertTime(campaign.IssueStart, zone).DateTime;
            StartDate = start.Date;
            StartTime = start.TimeOfDay;
        }
    }

    public CampaignRequest ToRequest(TimeZoneInfo zone) => new(
        Title?.Trim(),
        Unlimited ? null : TotalQuantity ?? 0,
        DiscountAmount,
        MinOrderAmount,
        ToUtc(StartDate, StartTime, zone),
        ToUtc(EndDate, EndTime, zone),
        OpeningMode,
        OpeningMode == OpeningMode.Draw ? DrawWindowSeconds : null);

    private static DateTimeOffset? ToUtc(DateTime? date, TimeSpan? time, TimeZoneInfo zone)
    {
        if (date is null || time is null)
            return null;
        var local = DateTime.SpecifyKind(date.Value.Date + time.Value, DateTimeKind.Unspecified);
        // A wall time skipped by a daylight-saving jump does not exist; the hour after it does.
        if (zone.IsInvalidTime(local))
            local = local.AddHours(1);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }
}
