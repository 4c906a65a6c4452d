using System.Net;
using Coupon.AppHost.Servers;
using Coupon.Tests.Fixture;

namespace Coupon.Tests.Hosting;

// The AppHost as a developer runs it: a real process with its own state folder.
[Collection(StackCollection.Name)]
public sealed class AppHostTests(StackFixture stack) : IDisposable
{
    private static readonly string[] ServerPrograms = ["redis-server", "mariadbd"];

    private readonly string _state = Directory.CreateTempSubdirectory("coupon-apphost-").FullName;

    [Fact]
    public async Task Starts_every_resource_healthy_and_leaves_no_process_after_SIGTERM()
    {
        await using var appHost = AppHostProcess.Start(_state, arguments: "--fresh");
        await appHost.WaitUntilHealthyAsync();
        var children = appHost.LedgerChildren();

        Assert.Equal(["admin", "api", "mysql", "redis", "worker"], children.Keys.Order());
        Assert.All(children.Values, pid => Assert.True(AppHostProcess.IsRunning(pid)));
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(appHost.ProjectAddress("api"), "/health"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(appHost.ProjectAddress("admin"), "/health"))).StatusCode);

        Assert.Equal(0, await appHost.StopAsync());
        Assert.All(children.Values, pid => Assert.False(AppHostProcess.IsRunning(pid), $"pid {pid} outlived the AppHost"));
        Assert.Empty(appHost.LedgerChildren());
        // Stopped in order: the admin first, the worker after the api, the servers last.
        var output = appHost.Output;
        Assert.True(output.IndexOf("admin stopped", StringComparison.Ordinal) < output.IndexOf("api stopped", StringComparison.Ordinal));
        Assert.True(output.IndexOf("api stopped", StringComparison.Ordinal) < output.IndexOf("worker stopped", StringComparison.Ordinal));
        Assert.True(output.IndexOf("worker stopped", StringComparison.Ordinal) < output.IndexOf("redis stopped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Children_die_with_the_AppHost_when_it_is_killed()
    {
        await using var appHost = AppHostProcess.Start(_state, arguments: "--fresh");
        await appHost.WaitUntilHealthyAsync();
        var children = appHost.LedgerChildren();

        appHost.Kill();
        await appHost.Exited;

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (children.Values.Any(AppHostProcess.IsRunning) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.All(children.Values, pid => Assert.False(AppHostProcess.IsRunning(pid), $"pid {pid} outlived the killed AppHost"));
    }

    [Fact]
    public async Task Configured_connection_strings_replace_the_local_servers()
    {
        await using var kafka = await EmbeddedKafka.StartNewAsync();
        var external = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = stack.RedisConnectionString,
            ["ConnectionStrings__kafka"] = kafka.BootstrapServers,
            ["ConnectionStrings__coupondb"] = stack.CouponDbConnectionString,
        };
        await using var appHost = AppHostProcess.Start(_state, external, "--fresh");
        await appHost.WaitUntilHealthyAsync();
        var children = appHost.LedgerChildren();

        Assert.Equal(["admin", "api", "worker"], children.Keys.Order());
        Assert.DoesNotContain(AppHostProcess.ChildProgramsOf(appHost.Id), ServerPrograms.Contains);
        Assert.Contains("external (ConnectionStrings:redis)", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("external (ConnectionStrings:kafka)", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("external (ConnectionStrings:coupondb)", appHost.Output, StringComparison.Ordinal);

        // A second AppHost on the same state folder refuses rather than take these children for leftovers.
        await using (var second = AppHostProcess.Start(_state, external))
        {
            Assert.Equal(1, await second.Exited.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("Another AppHost is running on", second.Output, StringComparison.Ordinal);
        }
        Assert.All(children.Values, pid => Assert.True(AppHostProcess.IsRunning(pid)));
        Assert.Equal(0, await appHost.StopAsync());
    }

    // The fixture promises the projects exactly the AppHost's environment.
    [Fact]
    public async Task The_fixture_gives_projects_the_environment_the_AppHost_gives_them()
    {
        await using var kafka = await EmbeddedKafka.StartNewAsync();
        var sameServersAndSecrets = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = stack.RedisConnectionString,
            ["ConnectionStrings__kafka"] = kafka.BootstrapServers,
            ["ConnectionStrings__coupondb"] = stack.CouponDbConnectionString,
            ["Parameters__jwt-signing-key"] = stack.Tokens.KeyBase64,
            ["Parameters__admin-operator-password"] = stack.OperatorPassword,
        };
        await using var appHost = AppHostProcess.Start(_state, sameServersAndSecrets, "--fresh");
        await appHost.WaitUntilHealthyAsync();
        var children = appHost.LedgerChildren();

        foreach (var project in (CouponProject[])[CouponProject.Api, CouponProject.Worker, CouponProject.Admin])
        {
            var fromAppHost = AppHostProcess.ApplicationEnvironmentOf(children[project.ToString().ToLowerInvariant()]);
            var fromFixture = await stack.EnvironmentOfAsync(project);
            // Only the api's address and the Kafka cluster differ: the admin of each talks to its
            // own api, and each has its own Kafka, so
            // that the AppHost's worker never joins the shared worker's consumer group.
            string[] ownAddresses = ["services__api__http__0", "ConnectionStrings__kafka"];
            Assert.Equal(
                fromFixture.Where(pair => !ownAddresses.Contains(pair.Key)).OrderBy(pair => pair.Key),
                fromAppHost.Where(pair => !ownAddresses.Contains(pair.Key)).OrderBy(pair => pair.Key));
            if (fromAppHost.ContainsKey("ConnectionStrings__kafka"))
                Assert.Equal(kafka.BootstrapServers, fromAppHost["ConnectionStrings__kafka"]);
        }
        Assert.Equal(0, await appHost.StopAsync());
    }

    [Theory]
    [InlineData(null, "`redis-server` was not found", "apt-get install -y redis-server", "ConnectionStrings:redis")]
    [InlineData("redis", "`mariadbd` was not found", "apt-get install -y mariadb-server", "ConnectionStrings:coupondb")]
    public async Task A_missing_server_program_stops_at_once_with_what_to_do(string? externalServer, params string[] expected)
    {
        var environment = new Dictionary<string, string?> { ["Servers__SearchPath"] = _state };
        if (externalServer is not null)
        {
            environment[$"ConnectionStrings__{externalServer}"] = stack.RedisConnectionString;
        }
        await using var appHost = AppHostProcess.Start(_state, environment);

        var exitCode = await appHost.Exited.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exitCode);
        Assert.All(expected, text => Assert.Contains(text, appHost.Output, StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(_state, "pids")), "nothing may start");
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
