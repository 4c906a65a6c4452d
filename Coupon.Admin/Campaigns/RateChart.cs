using System.Globalization;
using Coupon.Core.Contracts;

namespace Coupon.Admin.Campaigns;

public static class RateChart
{
    private const int LabelEverySeconds = 30;

    // One label per point keeps the series aligned, but a label every second is unreadable:
    // only every 30th point is named (in the operator's zone), the rest stay blank.
    public static string[] Labels(IReadOnlyList<IssueRatePoint> points, TimeZoneInfo zone) =>
    [
        .. points.Select((point, index) => index % LabelEverySeconds == 0
            ? TimeZoneInfo.ConvertTime(point.At, zone).ToString("HH:mm:ss", CultureInfo.InvariantCulture)
            : ""),
    ];
}
