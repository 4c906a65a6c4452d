using System.Net;
using Coupon.Testing;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Hosting;

// `./run.sh` as a developer runs it: the AppHost in a process of its own, the dashboard's sign-in
// link on the console, every resource healthy; and whichever way it ends, nothing of it is left.
// In the stack collection, so that one stack starts at a time.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class AppHostProcessTests(StackFixture stack) : IDisposable
{
    private static readonly TimeSpan LeftoverGrace = TimeSpan.FromSeconds(30);

    private readonly string _state = Directory.CreateTempSubdirectory("coupon-run-").FullName;
    private readonly string _userSecretsId = $"coupon-run-tests-{Guid.NewGuid():N}";

    [Fact]
    public async Task Run_prints_the_dashboard_link_and_SIGTERM_leaves_no_process()
    {
        await using var appHost = await StartAsync();
        var started = ProcessTree.StartedBy(appHost.Id);

        appHost.Terminate();

        Assert.Equal(0, await appHost.Exited.WaitAsync(TimeSpan.FromSeconds(90)));
        await AssertNoneLeftAsync(started);
    }

    [Fact]
    public async Task Kill_9_of_the_AppHost_leaves_no_process()
    {
        await using var appHost = await StartAsync();
        var started = ProcessTree.StartedBy(appHost.Id);

        appHost.Kill();

        await appHost.Exited;
        await AssertNoneLeftAsync(started);
    }

    public void Dispose()
    {
        Directory.Delete(_state, recursive: true);
        var secrets = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".microsoft", "usersecrets", _userSecretsId);
        if (Directory.Exists(secrets))
            Directory.Delete(secrets, recursive: true);
    }

    private async Task<AppHostProcess> StartAsync()
    {
        int[] ports = [.. Enumerable.Range(0, 5).Select(_ => Admin.ApiRelay.FreePort())];
        var appHost = AppHostProcess.Start(
            [$"--AppHost:StatePath={_state}", $"--AppHost:ApiPort={ports[0]}", $"--AppHost:AdminPort={ports[1]}", .. stack.Secrets.Arguments],
            new Dictionary<string, string?>
            {
                ["ASPIRE_USER_SECRETS_ID"] = _userSecretsId,
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ports[2]}",
                ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{ports[3]}",
                ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://127.0.0.1:{ports[4]}",
                ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
            });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + CouponAppHost.StartTimeout;
        while (!await HealthyAsync(http, ports[0]) || !await HealthyAsync(http, ports[1]))
        {
            Assert.False(appHost.Exited.IsCompleted, appHost.Output);
            Assert.True(DateTime.UtcNow < deadline, $"api and admin not healthy in time:\n{appHost.Output}");
            await Task.Delay(500);
        }
        Assert.Contains($"Login to the dashboard at http://127.0.0.1:{ports[2]}/login?t=", appHost.Output, StringComparison.Ordinal);
        return appHost;
    }

    private static async Task<bool> HealthyAsync(HttpClient http, int port)
    {
        try
        {
            using var response = await http.GetAsync($"http://127.0.0.1:{port}/health");
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    // Every process the AppHost ran (DCP, dashboard, servers, projects and their wrappers) is gone.
    private static async Task AssertNoneLeftAsync(IReadOnlyList<int> started)
    {
        Assert.True(started.Count > 10, $"only {started.Count} processes found for the AppHost");
        var deadline = DateTime.UtcNow + LeftoverGrace;
        var left = started.Where(ProcessTree.IsAlive).ToList();
        while (left.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            left = [.. left.Where(ProcessTree.IsAlive)];
        }
        Assert.True(left.Count == 0, $"left running: {string.Join(", ", left.Select(ProcessTree.Describe))}");
    }
}
