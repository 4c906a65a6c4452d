using Microsoft.JSInterop;

namespace Coupon.Admin.Components;

// The operator's time zone as the browser reports it (IANA id), per circuit. Campaign windows
// are stored in UTC and shown and entered in this zone; UTC when the browser cannot tell.
public sealed class OperatorTimeZone(IJSRuntime js, ILogger<OperatorTimeZone> logger)
{
    private TimeZoneInfo? _zone;

    public async Task<TimeZoneInfo> GetAsync()
    {
        if (_zone is not null)
            return _zone;
        try
        {
            var id = await js.InvokeAsync<string?>("couponAdmin.timeZone");
            _zone = id is not null && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;
        }
        catch (JSException e)
        {
            logger.LogInformation(e, "The browser did not report its time zone; showing UTC");
            _zone = TimeZoneInfo.Utc;
        }
        return _zone;
    }
}
