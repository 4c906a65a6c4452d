namespace Aspire.StackExchange.Redis;

// Bound from `Aspire:StackExchange:Redis`, as in Aspire's StackExchange.Redis integration.
public sealed class StackExchangeRedisSettings
{
    public string? ConnectionString { get; set; }

    public bool DisableHealthChecks { get; set; }

    // Longest a health probe waits for PING before the dependency counts as unhealthy.
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
