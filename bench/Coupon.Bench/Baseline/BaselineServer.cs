using Coupon.Core.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coupon.Bench.Baseline;

// The HTTP ceiling: the issue route on a bare Kestrel with the same answer shape as the api's 202,
// and nothing behind it (no authentication, no Redis, no Kafka). Runs in its own process
// (`Coupon.Bench baseline-server`) so that its CPU is measured apart from the load generator.
// It listens on a loopback port the system picks, prints its address, and stops when its
// standard input closes (the bench stopping it, or the bench gone).
public static class BaselineServer
{
    public const string Command = "baseline-server";
    public const string AddressPrefix = "listening=";

    public static async Task RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/health", () => "Healthy");
        app.MapPost("/api/coupons/{id:long}/issue", (long id) =>
            TypedResults.Accepted($"/api/coupons/{id}/issue", new IssueStatus(id, IssueStatus.Pending, DateTimeOffset.UtcNow)));
        await app.StartAsync();
        Console.WriteLine(AddressPrefix + app.Urls.Single());
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
    }
}
