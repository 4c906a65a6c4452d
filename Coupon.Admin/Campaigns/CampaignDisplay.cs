using System.Globalization;
using Coupon.Core.Contracts;
using MudBlazor;

namespace Coupon.Admin.Campaigns;

// How campaigns read on screen: state chips, issue windows in the operator's zone, quantities
// (null = unlimited) and countdowns. Pure functions so the tests can pin them down.
public static class CampaignDisplay
{
    private const string DateTimeFormat = "yyyy-MM-dd HH:mm";
    // A draw's moments are seconds apart.
    private const string MomentFormat = "yyyy-MM-dd HH:mm:ss";
    private const string Unlimited = "∞";

    public static string StateLabel(CampaignState state) => state switch
    {
        CampaignState.Scheduled => "scheduled",
        CampaignState.Open => "open",
        CampaignState.SoldOut => "sold out",
        CampaignState.Closed => "closed",
        _ => state.ToString(),
    };

    public static Color StateColor(CampaignState state) => state switch
    {
        CampaignState.Scheduled => Color.Info,
        CampaignState.Open => Color.Success,
        CampaignState.SoldOut => Color.Warning,
        _ => Color.Default,
    };

    // "2026-11-24 09:00 – 18:00" when both ends fall on the same local day, else both dates.
    public static string Window(DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone)
    {
        var localStart = TimeZoneInfo.ConvertTime(start, zone);
        var localEnd = TimeZoneInfo.ConvertTime(end, zone);
        var endFormat = localStart.Date == localEnd.Date ? "HH:mm" : DateTimeFormat;
        return $"{localStart.ToString(DateTimeFormat, CultureInfo.InvariantCulture)} – {localEnd.ToString(endFormat, CultureInfo.InvariantCulture)}";
    }

    public static string Moment(DateTimeOffset at, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(at, zone).ToString(MomentFormat, CultureInfo.InvariantCulture);

    public static string OpeningLabel(OpeningMode mode, CampaignDraw? draw) => mode switch
    {
        OpeningMode.Draw => draw is null ? "Draw" : $"Draw {draw.WindowSeconds} s",
        _ => "First come",
    };

    // Where a draw stands by the console's clock; the api's answers follow on the next poll.
    public static DrawPhase Phase(CampaignDraw draw, DateTimeOffset now) =>
        draw.DrawnAt is not null ? DrawPhase.Drawn
        : now >= draw.DrawAt ? DrawPhase.Drawing
        : now >= draw.DrawAt.AddSeconds(-draw.WindowSeconds) ? DrawPhase.Entering
        : DrawPhase.Waiting;

    public static string PhaseLabel(DrawPhase phase) => phase switch
    {
        DrawPhase.Waiting => "not open yet",
        DrawPhase.Entering => "entering",
        DrawPhase.Drawing => "drawing",
        _ => "drawn",
    };

    public static string ZoneName(TimeZoneInfo zone) => zone == TimeZoneInfo.Utc ? "UTC" : zone.Id;

    public static string Quantity(long? quantity) =>
        quantity is { } value ? value.ToString("N0", CultureInfo.InvariantCulture) : Unlimited;

    // Share of the total already accepted, 0–100; null for an unlimited campaign (nothing to fill).
    public static double? Progress(int? total, long accepted) =>
        total is > 0 ? Math.Min(100, 100.0 * accepted / total.Value) : null;

    // "opens in 2h 05m", "closes in 45s", "closed 3m ago".
    public static string Countdown(DateTimeOffset now, DateTimeOffset start, DateTimeOffset end) =>
        now < start ? $"opens in {Duration(start - now)}"
        : now < end ? $"closes in {Duration(end - now)}"
        : $"closed {Duration(now - end)} ago";

    public static string Duration(TimeSpan span)
    {
        var seconds = (long)Math.Ceiling(span.TotalSeconds);
        var (days, hours, minutes, secs) = (seconds / 86400, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
        return days > 0 ? $"{days}d {hours}h"
            : hours > 0 ? $"{hours}h {minutes:00}m"
            : minutes > 0 ? $"{minutes}m {secs:00}s"
            : $"{secs}s";
    }
}

public enum DrawPhase
{
    Waiting,
    Entering,
    Drawing,
    Drawn,
}
