using Coupon.Admin.SignIn;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Time.Testing;

namespace Coupon.Tests.Admin;

// The device cookie: only the console's own, unexpired cookie names a device, and only for the
// operator it was issued to.
public sealed class OperatorDevicesTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero));
    private readonly OperatorDevices _devices;

    public OperatorDevicesTests() => _devices = new OperatorDevices(new EphemeralDataProtectionProvider(), _time);

    [Fact]
    public void A_cookie_names_a_new_device_for_the_operator_it_was_issued_to_only()
    {
        var cookie = _devices.Issue("operator");

        var device = _devices.DeviceOf(cookie, "operator");
        Assert.NotNull(device);
        Assert.Null(_devices.DeviceOf(cookie, "root"));
        Assert.Null(_devices.DeviceOf(cookie, null));
        Assert.NotEqual(device, _devices.DeviceOf(_devices.Issue("operator"), "operator"));
    }

    [Fact]
    public void A_cookie_names_no_device_once_it_has_expired()
    {
        var cookie = _devices.Issue("operator");

        _time.Advance(OperatorDevices.Lifetime - TimeSpan.FromSeconds(1));
        Assert.NotNull(_devices.DeviceOf(cookie, "operator"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(_devices.DeviceOf(cookie, "operator"));
    }

    [Fact]
    public void A_forged_or_altered_cookie_names_no_device()
    {
        var cookie = _devices.Issue("operator");
        var altered = cookie[..20] + (cookie[20] == 'A' ? 'B' : 'A') + cookie[21..];
        var otherConsoles = new OperatorDevices(new EphemeralDataProtectionProvider(), _time).Issue("operator");

        foreach (var forged in (string?[])[null, "", "operator", "not base64 !", altered, otherConsoles, cookie + new string('A', 5_000)])
            Assert.Null(_devices.DeviceOf(forged, "operator"));
    }
}
