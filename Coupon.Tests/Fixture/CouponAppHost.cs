using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Coupon.Testing;
using Coupon.AppHost.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Coupon.Tests.Fixture;

// The parameters a test run gives the AppHost instead of letting it generate them into the
// user secrets: the tests sign tokens and sign in with them, and a second start on the same
// state folder needs the same passwords.
public sealed record AppHostSecrets(DevelopmentTokenKeys Tokens, string OperatorPassword, string RedisPassword, string MySqlPassword, string CouponDbPassword)
{
    public static AppHostSecrets Generate() => new(DevelopmentTokenKeys.Generate(), NewPassword(), NewPassword(), NewPassword(), NewPassword());

    public IEnumerable<string> Arguments =>
    [
        .. Tokens.Arguments,
        $"--Parameters:admin-operator-password={OperatorPassword}",
        $"--Parameters:redis-password={RedisPassword}",
        $"--Parameters:mysql-password={MySqlPassword}",
        $"--Parameters:coupondb-password={CouponDbPassword}",
    ];

    private static string NewPassword() =>
        RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 24);
}

// The real AppHost (Projects.Coupon_AppHost) through Aspire.Hosting.Testing.
public static class CouponAppHost
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(150);

    public static async Task<IDistributedApplicationTestingBuilder> CreateAsync(
        string state, AppHostSecrets secrets, IEnumerable<string>? settings = null, bool dashboard = false)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Coupon_AppHost>(
            [$"--{StateFolder.PathKey}={state}", .. secrets.Arguments, .. settings ?? []],
            (options, _) => options.DisableDashboard = !dashboard);
        // The key of the dashboard's telemetry API, which the tests read traces and logs through.
        if (dashboard)
            builder.Configuration[Dashboard.DashboardTelemetry.ApiKeySetting] = RandomNumberGenerator.GetHexString(32, lowercase: true);
        if (!dashboard)
        {
            // Without a dashboard the projects are still given an OTLP endpoint where nobody
            // listens, and their exporters retry it for seconds when they stop.
            foreach (var project in builder.Resources.OfType<ProjectResource>())
                builder.CreateResourceBuilder(project).WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", "");
        }
        return builder;
    }

    // The worker reconciles every second, winners older than 3 s: what a lost event or a
    // withdrawal leaves is settled within the tests' patience.
    public static IDistributedApplicationTestingBuilder WithShortReconcileGrace(this IDistributedApplicationTestingBuilder builder)
    {
        var worker = builder.Resources.OfType<ProjectResource>().Single(resource => resource.Name == "worker");
        builder.CreateResourceBuilder(worker)
            .WithEnvironment("Worker__ReconcileInterval", "00:00:01")
            .WithEnvironment("Worker__ReconcileGrace", "00:00:03");
        return builder;
    }

    // Built, started, and every project healthy.
    public static async Task<DistributedApplication> StartAsync(IDistributedApplicationTestingBuilder builder)
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var app = await builder.BuildAsync(timeout.Token);
        // Every app's output goes to the run's log; it stops with the app's services.
        var log = StackOutputLog.Watch(app);
        if (log is not null)
            app.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopped.Register(log.Dispose);
        await app.StartAsync(timeout.Token);
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        await Task.WhenAll(((string[])["api", "worker", "admin"]).Select(name => notifications.WaitForResourceHealthyAsync(name, timeout.Token)));
        return app;
    }

    // The running instances of a resource (one per replica) with their processes, from the states
    // Aspire reports.
    public static async Task<IReadOnlyList<RunningInstance>> RunningInstancesAsync(this DistributedApplication app, string resource)
    {
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        using var replayed = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var running = new Dictionary<string, RunningInstance?>();
        try
        {
            await foreach (var update in notifications.WatchAsync(replayed.Token))
            {
                if (update.Resource.Name == resource)
                {
                    running[update.ResourceId] = update.Snapshot.State?.Text == KnownResourceStates.Running && ResourcePid.Of(update.Snapshot) is { } pid
                        ? new RunningInstance(update.ResourceId, pid)
                        : null;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Every current state has been replayed by now.
        }
        return [.. running.Values.OfType<RunningInstance>()];
    }
}

// One replica of a resource: its id in Aspire and the process DCP started for it.
public sealed record RunningInstance(string Id, int ProcessId);
