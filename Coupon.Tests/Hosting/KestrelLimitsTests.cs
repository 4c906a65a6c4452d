using System.Net;
using System.Net.Sockets;
using Coupon.Tests.Fixture;
using Coupon.Tests.Issuing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Coupon.Tests.Hosting;

// Kestrel's connection limits (Kestrel:Limits in each app's appsettings.json): what the apps
// configure, and an api refusing the connection past its limit while it serves the ones within.
[Collection(StackCollection.Name), Trait(StackCollection.Needs, StackCollection.Stack)]
public sealed class KestrelLimitsTests(StackFixture stack)
{
    private const int Limit = 4;

    public static TheoryData<string, long, long> Configured => new()
    {
        { "Coupon.Api", 10_000, 0 },
        { "Coupon.Admin", 2_000, 1_000 },
    };

    // As the app builds its options: its own appsettings.json, in Production as the AppHost runs it,
    // through the service defaults every app adds.
    [Theory]
    [MemberData(nameof(Configured))]
    public async Task The_apps_take_the_connection_limits_the_readme_states(string project, long connections, long upgraded)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = project,
            ContentRootPath = Path.Combine(RepositoryPaths.Root, project),
            EnvironmentName = Environments.Production,
        });
        builder.AddServiceDefaults();
        await using var app = builder.Build();

        var limits = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        Assert.Equal((connections, upgraded), (limits.MaxConcurrentConnections, limits.MaxConcurrentUpgradedConnections));
    }

    [Fact]
    public async Task An_api_at_its_connection_limit_refuses_the_next_connection_and_serves_the_open_ones()
    {
        await using var api = await stack.StartProjectAsync(CouponProject.Api, new Dictionary<string, string?>
        {
            ["Kestrel__Limits__MaxConcurrentConnections"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var held = new List<HeldConnection>();
        try
        {
            // One more connection than the limit. The AppHost's health probe may hold a slot or two
            // (its pooled connection, and another while its client's handler is replaced).
            HeldConnection? refused = null;
            while (refused is null && held.Count < Limit + 1)
            {
                var connection = new HeldConnection(api.BaseAddress);
                if (await connection.AliveAsync() == HttpStatusCode.OK)
                    held.Add(connection);
                else
                    refused = connection;
            }
            Assert.True(refused is not null, $"{held.Count} connections served, none refused.");
            refused.Dispose();
            Assert.InRange(held.Count, Limit - 2, Limit);

            // The connections within the limit go on serving, each on its own connection still.
            foreach (var connection in held)
                Assert.Equal(HttpStatusCode.OK, await connection.AliveAsync());
            Assert.All(held, connection => Assert.Equal(1, connection.Connects));

            // A closed connection frees its slot.
            held[0].Dispose();
            held.RemoveAt(0);
            var status = await Poll.UntilAsync(async () =>
            {
                using var connection = new HeldConnection(api.BaseAddress);
                return await connection.AliveAsync();
            }, alive => alive == HttpStatusCode.OK, TimeSpan.FromSeconds(10));
            Assert.Equal(HttpStatusCode.OK, status);
        }
        finally
        {
            held.ForEach(connection => connection.Dispose());
        }
    }

    // One client connection, kept open between requests; a connection Kestrel refuses is closed
    // before any answer (null).
    private sealed class HeldConnection : IDisposable
    {
        private readonly HttpClient _http;
        private int _connects;

        public HeldConnection(Uri address) =>
            _http = new HttpClient(new SocketsHttpHandler
            {
                MaxConnectionsPerServer = 1,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
                ConnectCallback = async (context, cancellation) =>
                {
                    Interlocked.Increment(ref _connects);
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            })
            {
                BaseAddress = address,
                Timeout = TimeSpan.FromSeconds(10),
            };

        public int Connects => Volatile.Read(ref _connects);

        public async Task<HttpStatusCode?> AliveAsync()
        {
            try
            {
                using var response = await _http.GetAsync("/alive");
                return response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }

        public void Dispose() => _http.Dispose();
    }
}
