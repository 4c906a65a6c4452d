using System.Net;
using Coupon.Core.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coupon.Bench.Baseline;

// The HTTP ceiling: the issue route on a bare Kestrel with the same answer shape as the api's 202,
// and nothing behind it (no authentication, no Redis, no Kafka). Runs in its own process
// (`Coupon.Bench baseline-server <url>`) so that its CPU is measured apart from the load generator.
public static class BaselineServer
{
    public const string Command = "baseline-server";

    public static async Task RunAsync(string url, CancellationToken cancellationToken)
    {
        var uri = new Uri(url);
        if (!IPAddress.TryParse(uri.Host, out var address) || !IPAddress.IsLoopback(address))
            throw new ArgumentException($"The baseline server listens on loopback only, not {uri.Host}.");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        app.MapGet("/health", () => "Healthy");
        app.MapPost("/api/coupons/{id:long}/issue", (long id) =>
            TypedResults.Accepted($"/api/coupons/{id}/issue", new IssueStatus(id, IssueStatus.Pending, DateTimeOffset.UtcNow)));
        await app.RunAsync(cancellationToken);
    }
}
