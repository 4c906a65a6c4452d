using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Coupon.Tests.ServiceDefaults;

// The client address the per-client limits key on: X-Forwarded-For is believed only from the
// configured proxies, through ASP.NET Core's own middleware as the apps run it.
public sealed class ForwardedClientAddressTests
{
    private static readonly Dictionary<string, string?> Proxies = new()
    {
        ["ForwardedHeaders:KnownProxies:0"] = "10.0.0.5",
        ["ForwardedHeaders:KnownNetworks:0"] = "10.1.0.0/16",
    };

    [Theory]
    [InlineData("10.0.0.5", "203.0.113.7", "203.0.113.7")]
    [InlineData("10.1.2.3", "203.0.113.7", "203.0.113.7")]
    // Loopback, ASP.NET Core's default proxy, is none unless configured (DCP's proxy adds no header).
    [InlineData("127.0.0.1", "203.0.113.7", "127.0.0.1")]
    [InlineData("198.51.100.9", "203.0.113.7", "198.51.100.9")]
    // What the client wrote into the header itself stands left of what its proxy appended.
    [InlineData("10.0.0.5", "10.0.0.5, 192.0.2.1, 203.0.113.7", "203.0.113.7")]
    // Through a chain of configured proxies to the first address that is none.
    [InlineData("10.0.0.5", "192.0.2.1, 203.0.113.7, 10.1.0.1", "203.0.113.7")]
    [InlineData("10.0.0.5", "not an address", "10.0.0.5")]
    public async Task The_client_is_the_forwarded_address_only_from_a_configured_proxy(string connection, string forwardedFor, string client) =>
        Assert.Equal(client, await ClientAsync(Proxies, connection, forwardedFor));

    // ASP.NET Core's middleware believes everyone when it knows no proxy at all.
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("198.51.100.9")]
    public async Task Without_a_configured_proxy_nobody_can_forward_an_address(string connection) =>
        Assert.Equal(connection, await ClientAsync([], connection, "203.0.113.7"));

    [Theory]
    [InlineData("ForwardedHeaders:KnownProxies:0", "proxy.example")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/33")]
    public void A_proxy_that_is_no_address_fails_the_start_naming_its_key(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => OptionsFrom(new() { [key] = value }));
        Assert.Contains(key, error.Message);
    }

    [Theory]
    [InlineData("127.0.0.2", "127.0.0.2")]
    [InlineData("::ffff:127.0.0.2", "127.0.0.2")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void A_client_is_its_address_and_an_ipv6_client_its_64_bit_prefix(string address, string client) =>
        Assert.Equal(client, ForwardedClientAddress.ClientOf(IPAddress.Parse(address)));

    // The address the request's pipeline sees after ASP.NET Core's middleware, configured as the apps are.
    private static async Task<string?> ClientAsync(Dictionary<string, string?> settings, string connection, string forwardedFor)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(connection);
        context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        await new ForwardedHeadersMiddleware(_ => Task.CompletedTask, NullLoggerFactory.Instance, Options.Create(OptionsFrom(settings)))
            .Invoke(context);
        return context.Connection.RemoteIpAddress?.ToString();
    }

    private static ForwardedHeadersOptions OptionsFrom(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddForwardedClientAddress();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
    }
}
