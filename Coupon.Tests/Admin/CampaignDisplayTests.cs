using Coupon.Admin.Campaigns;
using Coupon.Core.Contracts;
using MudBlazor;

namespace Coupon.Tests.Admin;

public sealed class CampaignDisplayTests
{
    private static readonly TimeZoneInfo Seoul = TimeZoneInfo.FindSystemTimeZoneById("Asia/Seoul");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [Theory]
    [InlineData(CampaignState.Scheduled, "scheduled", Color.Info)]
    [InlineData(CampaignState.Open, "open", Color.Success)]
    [InlineData(CampaignState.SoldOut, "sold out", Color.Warning)]
    [InlineData(CampaignState.Closed, "closed", Color.Default)]
    public void Each_state_has_its_label_and_colour(CampaignState state, string label, Color color)
    {
        Assert.Equal(label, CampaignDisplay.StateLabel(state));
        Assert.Equal(color, CampaignDisplay.StateColor(state));
    }

    [Fact]
    public void The_opening_reads_first_come_or_draw_with_its_window()
    {
        var draw = new CampaignDraw(30, DateTimeOffset.UnixEpoch, new string('a', 64), null, null, 0, null);

        Assert.Equal("First come", CampaignDisplay.OpeningLabel(OpeningMode.FirstCome, null));
        Assert.Equal("Draw 30 s", CampaignDisplay.OpeningLabel(OpeningMode.Draw, draw));
    }

    [Theory]
    [InlineData(-31, DrawPhase.Waiting)]
    [InlineData(-30, DrawPhase.Entering)]
    [InlineData(-1, DrawPhase.Entering)]
    [InlineData(0, DrawPhase.Drawing)]
    public void A_draw_not_made_yet_waits_then_takes_entrants_for_its_window_then_draws(int secondsToDraw, DrawPhase phase)
    {
        var drawAt = new DateTimeOffset(2026, 11, 24, 0, 0, 30, TimeSpan.Zero);
        var draw = new CampaignDraw(30, drawAt, new string('a', 64), null, null, 0, null);

        Assert.Equal(phase, CampaignDisplay.Phase(draw, drawAt.AddSeconds(secondsToDraw)));
        Assert.Equal(DrawPhase.Drawn, CampaignDisplay.Phase(draw with { DrawnAt = drawAt }, drawAt.AddSeconds(secondsToDraw)));
    }

    [Fact]
    public void A_window_within_one_local_day_names_the_date_once()
    {
        var start = new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal("2026-11-24 09:00 – 18:00", CampaignDisplay.Window(start, start.AddHours(9), Seoul));
    }

    [Fact]
    public void A_window_is_shown_in_the_operators_zone_not_in_utc()
    {
        // 23:30 UTC is already the next morning in Seoul and still the same evening in New York.
        var start = new DateTimeOffset(2026, 11, 23, 23, 30, 0, TimeSpan.Zero);
        var end = start.AddHours(2);

        Assert.Equal("2026-11-24 08:30 – 10:30", CampaignDisplay.Window(start, end, Seoul));
        Assert.Equal("2026-11-23 18:30 – 20:30", CampaignDisplay.Window(start, end, NewYork));
        Assert.Equal("2026-11-23 23:30 – 2026-11-24 01:30", CampaignDisplay.Window(start, end, TimeZoneInfo.Utc));
    }

    [Fact]
    public void Unlimited_quantities_read_as_infinity()
    {
        Assert.Equal("∞", CampaignDisplay.Quantity(null));
        Assert.Equal("12,345", CampaignDisplay.Quantity(12345));
        Assert.Null(CampaignDisplay.Progress(null, 10));
        Assert.Equal(25, CampaignDisplay.Progress(200, 50));
        Assert.Equal(100, CampaignDisplay.Progress(10, 10));
    }

    [Fact]
    public void The_countdown_names_what_happens_next()
    {
        var start = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
        var end = start.AddHours(1);

        Assert.Equal("opens in 2h 05m", CampaignDisplay.Countdown(start.AddMinutes(-125), start, end));
        Assert.Equal("closes in 45s", CampaignDisplay.Countdown(end.AddSeconds(-45), start, end));
        Assert.Equal("closes in 1m 30s", CampaignDisplay.Countdown(end.AddSeconds(-90), start, end));
        Assert.Equal("closed 3d 2h ago", CampaignDisplay.Countdown(end.AddHours(74), start, end));
    }

    [Fact]
    public void Chart_labels_name_every_thirtieth_second_in_the_operators_zone()
    {
        var first = new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);
        var points = Enumerable.Range(0, 61).Select(i => new IssueRatePoint(first.AddSeconds(i), i)).ToList();

        var labels = RateChart.Labels(points, Seoul);

        Assert.Equal(61, labels.Length);
        Assert.Equal("09:00:00", labels[0]);
        Assert.Equal("09:00:30", labels[30]);
        Assert.Equal("09:01:00", labels[60]);
        Assert.Equal(58, labels.Count(l => l.Length == 0));
    }
}
