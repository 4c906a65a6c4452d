using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

// Who a request comes from, for the per-client limits (the api's anonymous reads, the admin's
// sign-in throttle). Behind a proxy or an ingress the connection's address is the proxy's, the
// same for everyone; the client's own is the X-Forwarded-For entry the proxy appended. It is
// believed only from the proxies configured under ForwardedHeaders (KnownProxies: addresses,
// KnownNetworks: CIDR ranges), and from none by default: ASP.NET Core's own default, loopback,
// would let any local client name itself (DCP's proxy forwards bytes and adds no header).
public static class ForwardedClientAddress
{
    public const string Section = "ForwardedHeaders";

    public static TBuilder AddForwardedClientAddress<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Read now: a mistyped proxy fails the start, naming its key, rather than trusting nobody.
        var proxies = Entries(builder.Configuration, "KnownProxies")
            .Select(entry => IPAddress.TryParse(entry.Value, out var proxy) ? proxy : throw Invalid(entry, "an IP address"))
            .ToList();
        var networks = Entries(builder.Configuration, "KnownNetworks")
            .Select(entry => System.Net.IPNetwork.TryParse(entry.Value, out var network) ? network : throw Invalid(entry, "a CIDR range (10.0.0.0/8)"))
            .ToList();
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            // The middleware believes everyone when it knows no proxy at all: then it reads nothing.
            options.ForwardedHeaders = proxies.Count + networks.Count > 0 ? ForwardedHeaders.XForwardedFor : ForwardedHeaders.None;
            // From the right through every configured proxy to the first address that is none: what
            // a client wrote into the header itself stands left of what its proxy appended.
            options.ForwardLimit = null;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in proxies)
                options.KnownProxies.Add(proxy);
            foreach (var network in networks)
                options.KnownIPNetworks.Add(network);
        });
        return builder;
    }

    // First in the pipeline, so everything after it sees the client's address.
    public static IApplicationBuilder UseForwardedClientAddress(this IApplicationBuilder app) => app.UseForwardedHeaders();

    // The key of a per-client limit: the address, where an IPv6 client usually holds a whole /64,
    // so that is one client (and cannot step around its limit by changing addresses).
    public static string ClientOf(IPAddress? address)
    {
        if (address is null)
            return "unknown";
        if (address.IsIPv4MappedToIPv6)
            return address.MapToIPv4().ToString();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();

        var bytes = address.GetAddressBytes();
        bytes.AsSpan(8).Clear();
        return string.Create(CultureInfo.InvariantCulture, $"{new IPAddress(bytes)}/64");
    }

    private static IEnumerable<IConfigurationSection> Entries(IConfiguration configuration, string key) =>
        configuration.GetSection($"{Section}:{key}").GetChildren().Where(entry => !string.IsNullOrWhiteSpace(entry.Value));

    private static InvalidOperationException Invalid(IConfigurationSection entry, string expected) =>
        new($"Configuration '{entry.Path}' is '{entry.Value}', which is not {expected}.");
}
