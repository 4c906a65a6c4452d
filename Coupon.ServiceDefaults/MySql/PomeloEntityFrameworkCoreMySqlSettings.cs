namespace Aspire.Pomelo.EntityFrameworkCore.MySql;

// Bound from `Aspire:Pomelo:EntityFrameworkCore:MySql`, as in Aspire's Pomelo integration.
public sealed class PomeloEntityFrameworkCoreMySqlSettings
{
    public string? ConnectionString { get; set; }

    // e.g. "10.11.6-mariadb" or "8.0.36-mysql"; MariaDB 10.11 when not set, so that starting
    // needs no round trip to the server (no AutoDetect).
    public string? ServerVersion { get; set; }

    public bool DisableRetry { get; set; }

    public bool DisableHealthChecks { get; set; }

    public bool DisableTracing { get; set; }

    public bool DisableMetrics { get; set; }

    public int? CommandTimeout { get; set; }

    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
