using Coupon.Core.Contracts;
using MudBlazor;

namespace Coupon.Admin.SystemHealth;

// One line of the system page: a resource, its health word and what explains it.
public sealed record ResourceLine(string Name, string Status, string Detail);

public static class ResourceHealth
{
    public const string Healthy = "Healthy";
    public const string Degraded = "Degraded";
    public const string Unhealthy = "Unhealthy";
    public const string Unknown = "Unknown";

    // Workers report every ~2 s; three missed reports mean the worker is gone or stuck.
    public static readonly TimeSpan WorkerStaleAfter = TimeSpan.FromSeconds(6);

    // The api's health check names, as the resources are named everywhere else.
    private static readonly Dictionary<string, string> ResourceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["coupondb"] = "mysql",
    };

    // This page is served by the admin console, so it is up.
    private static readonly ResourceLine Console = new("admin", Healthy, "this console");

    // The api's own "process answers" check: the api line above already says that.
    private const string ApiLiveness = "self";

    public static Color StatusColor(string status) => status switch
    {
        Healthy => Color.Success,
        Degraded => Color.Warning,
        Unknown => Color.Default,
        _ => Color.Error,
    };

    // The api's own line and one per dependency it checks; unknown while the api is unreachable.
    public static IReadOnlyList<ResourceLine> Lines(SystemStatus? status, string? unavailable)
    {
        if (status is null || unavailable is not null)
        {
            return [Console, new("api", Unhealthy, unavailable ?? "not reached yet"),
                .. new[] { "kafka", "mysql", "redis" }.Select(name => new ResourceLine(name, Unknown, "known only through the api"))];
        }

        return
        [
            Console,
            new("api", status.Status, "reachable"),
            .. status.Dependencies
                .Where(d => d.Key != ApiLiveness)
                .Select(d => new ResourceLine(
                    ResourceNames.GetValueOrDefault(d.Key, d.Key),
                    d.Value.Status,
                    d.Value.Description ?? $"checked in {d.Value.DurationMs:0} ms"))
                .OrderBy(l => l.Name, StringComparer.Ordinal),
        ];
    }

    public static string WorkerStatus(WorkerStatus worker, DateTimeOffset now) =>
        now - worker.LastSeen > WorkerStaleAfter ? Unhealthy : Healthy;
}
