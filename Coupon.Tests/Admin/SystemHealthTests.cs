using Coupon.Admin.SystemHealth;
using Coupon.Core.Contracts;
using MudBlazor;

namespace Coupon.Tests.Admin;

public sealed class SystemHealthTests
{
    [Fact]
    public void Every_resource_gets_a_line_named_as_in_the_apphost()
    {
        var status = new SystemStatus("Degraded", new Dictionary<string, DependencyHealth>
        {
            ["self"] = new("Healthy", null, 0),
            ["redis"] = new("Healthy", "PING 1 ms", 1),
            ["kafka"] = new("Healthy", null, 3),
            ["coupondb"] = new("Unhealthy", "Connection refused", 5000),
        }, []);

        var lines = ResourceHealth.Lines(status, unavailable: null);

        Assert.Equal(["admin", "api", "kafka", "mysql", "redis"], lines.Select(l => l.Name));
        Assert.Equal(new ResourceLine("mysql", "Unhealthy", "Connection refused"), lines.Single(l => l.Name == "mysql"));
        Assert.Equal("checked in 3 ms", lines.Single(l => l.Name == "kafka").Detail);
        Assert.Equal("Degraded", lines.Single(l => l.Name == "api").Status);
    }

    [Fact]
    public void With_the_api_unreachable_its_dependencies_are_unknown()
    {
        var lines = ResourceHealth.Lines(null, "Connection refused (127.0.0.1:5000)");

        Assert.Equal(new ResourceLine("api", "Unhealthy", "Connection refused (127.0.0.1:5000)"), lines.Single(l => l.Name == "api"));
        Assert.All(lines.Where(l => l.Name is not ("admin" or "api")), l => Assert.Equal(ResourceHealth.Unknown, l.Status));
    }

    [Theory]
    [InlineData("Healthy", Color.Success)]
    [InlineData("Degraded", Color.Warning)]
    [InlineData("Unhealthy", Color.Error)]
    [InlineData("Unknown", Color.Default)]
    public void Health_words_have_their_colours(string status, Color color) =>
        Assert.Equal(color, ResourceHealth.StatusColor(status));

    [Fact]
    public void A_worker_silent_for_three_reports_is_unhealthy()
    {
        var now = new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);
        WorkerStatus Seen(int secondsAgo) => new("worker-1", now.AddSeconds(-secondsAgo), 0, 0, 0, 0);

        Assert.Equal(ResourceHealth.Healthy, ResourceHealth.WorkerStatus(Seen(2), now));
        Assert.Equal(ResourceHealth.Unhealthy, ResourceHealth.WorkerStatus(Seen(7), now));
    }
}
